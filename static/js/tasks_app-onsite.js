/* /tasks/<id>/onsite/: follow the phone's position, show the distance, check in and out. */
(function () {
  "use strict";
  var root = document.getElementById("onsite");
  if (!root) { return; }
  var site = { lat: parseFloat(root.dataset.lat), lon: parseFloat(root.dataset.lon), radius: parseFloat(root.dataset.radius) };
  var distance = document.getElementById("distance");
  var accuracy = document.getElementById("accuracy");
  var state = document.getElementById("geofence-state");
  var statusNode = document.getElementById("claim-status");
  var message = document.getElementById("onsite-message");
  var checkin = document.getElementById("checkin-button");
  var checkout = document.getElementById("checkout-button");
  var labelsNode = document.getElementById("status-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) || {} : {};
  var last = null;
  var timerOnSite = document.getElementById("timer-on-site");
  var timerRemaining = document.getElementById("timer-remaining");
  var timerBox = document.getElementById("onsite-timer");
  // The server's clock, through the offset of the phone's at page load: the phone may be wrong.
  var clockOffset = Date.parse(root.dataset.serverNow) - Date.now();
  var opensAt = Date.parse(root.dataset.opensAt);
  var checkedInAt = root.dataset.checkedInAt ? Date.parse(root.dataset.checkedInAt) : null;
  var minMinutes = parseInt(root.dataset.minMinutes || "0", 10);
  function serverNow() { return Date.now() + clockOffset; }
  function checkinOpen() { return serverNow() >= opensAt; }
  function minutesLeft() {
    if (checkedInAt === null) { return minMinutes; }
    return Math.max(0, Math.ceil(minMinutes - (serverNow() - checkedInAt) / 60000));
  }
  var map = window.FubiTasks.siteMap(document.getElementById("task-map"), site.lat, site.lon, site.radius);
  var me = null;
  var link = null;

  var sending = false;  // a fix on its way: the 15-second refresh must not re-enable the buttons

  function setStatus(status) {
    statusNode.dataset.status = status;
    statusNode.textContent = labels[status] || status;
    checkin.disabled = sending || status !== "claimed" || !checkinOpen();
    checkout.disabled = sending || status !== "checked_in" || minutesLeft() > 0;
    tick();
  }

  // Minutes on site, and how many remain before check-out is allowed (task.min_minutes).
  function tick() {
    var onSite = statusNode.dataset.status === "checked_in" && checkedInAt !== null;
    timerBox.hidden = !onSite;
    if (!onSite) { return; }
    var minutes = Math.max(0, Math.floor((serverNow() - checkedInAt) / 60000));
    var left = minutesLeft();
    timerOnSite.textContent = root.dataset.msgTimer.replace("{m}", String(minutes));
    timerRemaining.textContent = left > 0 ? root.dataset.msgRemaining.replace("{r}", String(left)) : root.dataset.msgCheckoutOk;
    timerBox.dataset.minutes = String(minutes);
    timerBox.dataset.remaining = String(left);
  }

  function onPosition(pos) {
    last = pos;
    var d = window.FubiTasks.haversineM(pos.coords.latitude, pos.coords.longitude, site.lat, site.lon);
    distance.textContent = Math.round(d);
    accuracy.textContent = Math.round(pos.coords.accuracy);
    var inside = d <= site.radius;
    if (statusNode.dataset.status === "claimed" && !checkinOpen()) {
      // Before check-in opens, where the phone is does not matter yet: no red warning.
      state.textContent = root.dataset.msgUpcoming;
      state.className = "muted";
    } else {
      state.textContent = inside ? root.dataset.msgInside : root.dataset.msgOutside;
      state.className = inside ? "inside" : "outside";
    }
    if (map && typeof L !== "undefined") {
      var here = window.FubiMap.toMap(pos.coords.latitude, pos.coords.longitude);
      var there = map.fubiSite[0].getLatLng();
      if (!me) {
        me = L.circleMarker(here, { radius: 7, color: "#2563eb" }).addTo(map);
        // the way to the meeting point, with its length: readable with or without tiles
        link = L.polyline([here, there], { color: "#2563eb", weight: 2, dashArray: "4 6" }).addTo(map);
        link.bindTooltip("", { permanent: true, direction: "center", className: "map-distance" });
        window.FubiMap.fit(map, map.fubiSite.concat([me]));  // once: the user and the meeting point together
      } else {
        me.setLatLng(here);
        link.setLatLngs([here, there]);
      }
      link.setTooltipContent(Math.round(d) + " m");
    }
  }

  function fixBody(kind) {
    return {
      kind: kind,
      lat: last.coords.latitude,
      lon: last.coords.longitude,
      accuracy_m: last.coords.accuracy || 0,
      recorded_at: new Date(last.timestamp || Date.now()).toISOString(),
      sent_at: new Date().toISOString()  // the phone's clock now: the position's may be an hour old
    };
  }

  function shown(kind, result, late) {
    if (result.ok) {
      if (kind === "out" && !late) {
        // The page then says whether the points are paid now or after the agency's approval.
        window.location.reload();
        return;
      }
      if (kind === "in" && checkedInAt === null) { checkedInAt = serverNow(); }
      setStatus(result.data.claim_status);
      message.textContent = late ? root.dataset.msgSyncedLate : (kind === "in" ? root.dataset.msgIn : root.dataset.msgOut);
      message.dataset.flags = result.data.flags.join(",");
    } else {
      setStatus(statusNode.dataset.status);
      message.textContent = result.data.message || "Error";
    }
  }

  // Without signal a check-in or check-out waits in IndexedDB (static/js/offline-queue.js) with the
  // phone's times and is sent, marked queued, once the phone is online again; the server judges it on
  // arrival and flags it synced_late.
  function keep(body) {
    return window.FubiQueue.add({ claimId: root.dataset.claimId, body: body }).then(function () {
      message.textContent = root.dataset.msgQueued;
      root.dataset.queued = "1";
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine || !window.FubiQueue) { return; }
    flushing = true;
    window.FubiQueue.all().then(function (items) {
      var mine = items.filter(function (item) { return item.claimId === root.dataset.claimId; });
      return mine.reduce(function (chain, item) {
        return chain.then(function () {
          var body = Object.assign({}, item.body, { sent_at: new Date().toISOString(), queued: true });
          return window.FubiTasks.api("POST", "/claims/" + item.claimId + "/checkins", body).then(function (result) {
            // an answer, yes or no, is final: only a missing network keeps it for later
            return window.FubiQueue.remove(item.id).then(function () { shown(item.body.kind, result, true); });
          });
        });
      }, Promise.resolve());
    }).then(function () { delete root.dataset.queued; }, function () { /* still offline: later */ })
      .then(function () { flushing = false; });
  }

  function send(kind) {
    if (!last) { message.textContent = root.dataset.msgNogps; return; }
    var body = fixBody(kind);
    if (!navigator.onLine && window.FubiQueue) { keep(body); return; }
    checkin.disabled = checkout.disabled = true;
    sending = true;
    window.FubiTasks.api("POST", "/claims/" + root.dataset.claimId + "/checkins", body).then(function (result) {
      sending = false;
      shown(kind, result, false);
    }, function () {
      sending = false;  // no answer (no network): kept on the phone and sent once it is back online
      setStatus(statusNode.dataset.status);
      if (window.FubiQueue) { keep(body); }
    });
  }

  window.addEventListener("online", flush);
  flush();

  // While checked in, a ping every two minutes keeps the evidence of presence during a patrol.
  var PING_EVERY_MS = 120000;
  setInterval(function () {
    if (statusNode.dataset.status !== "checked_in" || !last) { return; }
    window.FubiTasks.api("POST", "/claims/" + root.dataset.claimId + "/checkins", {
      kind: "ping",
      lat: last.coords.latitude,
      lon: last.coords.longitude,
      accuracy_m: last.coords.accuracy || 0,
      recorded_at: new Date(last.timestamp || Date.now()).toISOString(),
      sent_at: new Date().toISOString()
    }).then(function (result) { if (result.ok) { root.dataset.pings = (parseInt(root.dataset.pings || "0", 10) + 1).toString(); } });
  }, PING_EVERY_MS);

  setStatus(statusNode.dataset.status);
  // Check-in opening and the minutes on site move with the clock, not only with the phone's position.
  setInterval(function () { setStatus(statusNode.dataset.status); if (last) { onPosition(last); } }, 15000);
  checkin.addEventListener("click", function () { send("in"); });
  checkout.addEventListener("click", function () { send("out"); });
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, function () {
      state.textContent = root.dataset.msgDenied;
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 });
  } else {
    state.textContent = root.dataset.msgDenied;
  }
})();
