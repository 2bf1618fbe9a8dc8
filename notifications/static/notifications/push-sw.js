// The service worker of Web Push notices: show each message, open its page when clicked.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {title: event.data.text()}; }
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "", tag: data.tag, data: {url: data.url || "/notifications/"}
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(clients.openWindow(event.notification.data.url));
});
