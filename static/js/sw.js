/* Fubi's service worker, served at /sw.js so its scope is the whole site (notify.views.service_worker).
   - push: show the notification the server pushed (notify.services.push_send: {id, kind, title, body, url});
   - notificationclick: open (or focus) the page it links to;
   - fetch: the on-site check-in page (/tasks/<id>/onsite/) and the static files open without signal,
     from the copy kept at the last visit (network first). Nothing else is kept: other pages hold a
     person's data and are not left on a phone that others may pick up. */
"use strict";

var CACHE = "fubi-offline-v1";
var ONSITE = /^\/tasks\/\d+\/onsite\/$/;

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var keep = (request.mode === "navigate" && ONSITE.test(url.pathname)) || url.pathname.indexOf("/static/") === 0;
  if (!keep) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || Response.error(); });
  }));
});

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = { title: event.data.text() }; }
  var urgent = data.kind === "dispatch_offer" || data.kind === "case_sos";
  event.waitUntil(self.registration.showNotification(data.title || "Fubi", {
    body: data.body || "",
    tag: "fubi-" + (data.id || Date.now()),
    data: { url: data.url || "/" },
    requireInteraction: urgent,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    vibrate: urgent ? [300, 100, 300, 100, 300] : undefined
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i += 1) {
      if (new URL(list[i].url).pathname === url && "focus" in list[i]) { return list[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
