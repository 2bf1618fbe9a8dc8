// The account page's Web Push buttons: register the service worker, subscribe this browser with
// the platform's VAPID key and send the subscription to the server (or unsubscribe).
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) return;
  var status = box.querySelector("[data-push-status]");
  function say(text) { status.hidden = false; status.textContent = text; }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : (input ? input.value : "");
  }
  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(body)
    });
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    say(box.dataset.unsupported || "Push is not supported by this browser.");
    return;
  }
  var registration = navigator.serviceWorker.register(box.dataset.workerUrl);
  box.querySelector("[data-push-subscribe]").addEventListener("click", function () {
    registration.then(function (reg) {
      return reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: key(box.dataset.vapidKey)});
    }).then(function (subscription) {
      return post(box.dataset.subscribeUrl, subscription.toJSON());
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      window.location.reload();
    }).catch(function (error) { say(String(error)); });
  });
  box.querySelector("[data-push-unsubscribe]").addEventListener("click", function () {
    registration.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (subscription) {
      if (!subscription) return null;
      return post(box.dataset.unsubscribeUrl, {endpoint: subscription.endpoint}).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () { window.location.reload(); }).catch(function (error) { say(String(error)); });
  });
})();
