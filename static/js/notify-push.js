/* Web Push on this phone (templates/notify/_push.html): register /sw.js, subscribe with the server's
   VAPID key (GET /api/v1/push/key) and keep the subscription (POST /api/v1/push/subscriptions), or
   unsubscribe and forget it (DELETE .../{id}). Texts through textContent. */
(function () {
  "use strict";
  var root = document.getElementById("push");
  if (!root) { return; }
  var msg = root.dataset;
  var status = document.getElementById("push-status");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var KEY = "fubi-push-subscription-id";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function show(subscribed) {
    status.textContent = subscribed ? msg.msgOn : msg.msgOff;
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    status.textContent = msg.msgUnsupported;
    return;
  }

  var ready = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  });
  ready.then(function (registration) { return registration.pushManager.getSubscription(); })
    .then(function (subscription) { show(Boolean(subscription)); })
    .catch(function () { status.textContent = msg.msgUnsupported; });

  on.addEventListener("click", function () {
    Promise.all([ready, fetch("/api/v1/push/key").then(function (r) { return r.json(); })])
      .then(function (both) {
        if (!both[1].public_key) { throw new Error("push is off on the server"); }
        return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(both[1].public_key) });
      })
      .then(function (subscription) {
        var json = subscription.toJSON();
        return fetch("/api/v1/push/subscriptions", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ endpoint: json.endpoint, keys: json.keys })
        });
      })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (body) { localStorage.setItem(KEY, String(body.id)); show(true); })
      .catch(function () {
        status.textContent = Notification.permission === "denied" ? msg.msgDenied : msg.msgFailed;
      });
  });

  off.addEventListener("click", function () {
    ready.then(function (registration) { return registration.pushManager.getSubscription(); })
      .then(function (subscription) { return subscription ? subscription.unsubscribe() : true; })
      .then(function () {
        var id = localStorage.getItem(KEY);
        localStorage.removeItem(KEY);
        if (id) {
          return fetch("/api/v1/push/subscriptions/" + id, {
            method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
          });
        }
        return null;
      })
      .then(function () { show(false); })
      .catch(function () { status.textContent = msg.msgFailed; });
  });
})();
