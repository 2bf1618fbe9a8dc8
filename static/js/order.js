/* The order page follows the order (DESIGN §3.1): while the status is not final it asks the user
 * API every few seconds and, when the status or the number of timeline entries changed, swaps the
 * page's content in place (the reader keeps their place).
 * Quiet on failure (the next poll tries again); paused while the tab is hidden. */
(function () {
  "use strict";

  var INTERVAL_MS = 5000;

  function init() {
    var root = document.querySelector("[data-order-live]");
    if (!root || !window.fetch) return;
    var url = root.getAttribute("data-order-live");
    var page = root.getAttribute("data-page") || window.location.pathname;
    var status = root.getAttribute("data-status");
    var count = parseInt(root.getAttribute("data-events"), 10) || 0;
    var timer = null;
    var busy = false;
    var stopped = false;

    function schedule() {
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(poll, INTERVAL_MS);
    }

    // Do not pull the page from under someone choosing a cancel reason: wait until they leave it.
    function editing() {
      var el = document.activeElement;
      return !!(el && el.form && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName));
    }

    // Update in place: fetch the page again and swap the content of <main>, so the reader keeps
    // their place (no reload, no jump to the top). A full load only if the swap cannot be done.
    function reload() {
      clearTimeout(timer);
      if (editing()) { setTimeout(reload, 1000); return; }
      busy = true;
      fetch(page, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          var fresh = html && new DOMParser().parseFromString(html, "text/html").querySelector("main");
          var main = document.querySelector("main");
          if (!fresh || !main) { stopped = true; window.location.replace(page); return; }
          var y = window.scrollY;
          main.innerHTML = fresh.innerHTML;
          window.scrollTo(0, y);
          var next = main.querySelector("[data-order-live]");
          if (!next) { stopped = true; return; }  // a final status: nothing more to follow
          status = next.getAttribute("data-status");
          count = parseInt(next.getAttribute("data-events"), 10) || 0;
        })
        .catch(function () { /* try again at the next tick */ })
        .then(function () { busy = false; schedule(); });
    }

    function poll() {
      if (busy || stopped || document.hidden) return;
      busy = true;
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          // Logged out, or the order deleted in another tab: nothing more to follow here.
          if (response.status === 401 || response.status === 403 || response.status === 404) stopped = true;
          return response.ok ? response.json() : null;
        })
        .then(function (order) {
          if (!order || typeof order.status !== "string") return;
          var events = Array.isArray(order.events) ? order.events.length : count;
          if (order.status !== status || events !== count) reload();
        })
        .catch(function () { /* offline or a server error: try again at the next tick */ })
        .then(function () { busy = false; schedule(); });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) clearTimeout(timer);
      else poll();  // catch up at once with what happened while hidden
    });
    schedule();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
