/* The order page follows the order (DESIGN §3.1): while the status is not final it asks the user
 * API every few seconds and reloads when the status or the number of timeline entries changed.
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

    function reload() {
      stopped = true;
      clearTimeout(timer);
      if (editing()) { setTimeout(reload, 1000); return; }
      // A GET of the order page, also when this page came from a refused cancel (a POST).
      window.location.replace(page);
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
