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
  var map = window.FubiTasks.siteMap(document.getElementById("task-map"), site.lat, site.lon, site.radius);
  var me = null;

  function setStatus(status) {
    statusNode.dataset.status = status;
    statusNode.textContent = labels[status] || status;
    checkin.disabled = status !== "claimed";
    checkout.disabled = status !== "checked_in";
  }

  function onPosition(pos) {
    last = pos;
    var d = window.FubiTasks.haversineM(pos.coords.latitude, pos.coords.longitude, site.lat, site.lon);
    distance.textContent = Math.round(d);
    accuracy.textContent = Math.round(pos.coords.accuracy);
    var inside = d <= site.radius;
    state.textContent = inside ? root.dataset.msgInside : root.dataset.msgOutside;
    state.className = inside ? "inside" : "outside";
    if (map && typeof L !== "undefined") {
      if (!me) { me = L.circleMarker([pos.coords.latitude, pos.coords.longitude], { radius: 7, color: "#2563eb" }).addTo(map); }
      else { me.setLatLng([pos.coords.latitude, pos.coords.longitude]); }
    }
  }

  function send(kind) {
    if (!last) { message.textContent = root.dataset.msgNogps; return; }
    var body = {
      kind: kind,
      lat: last.coords.latitude,
      lon: last.coords.longitude,
      accuracy_m: last.coords.accuracy || 0,
      recorded_at: new Date(last.timestamp || Date.now()).toISOString()
    };
    checkin.disabled = checkout.disabled = true;
    window.FubiTasks.api("POST", "/claims/" + root.dataset.claimId + "/checkins", body).then(function (result) {
      if (result.ok) {
        setStatus(result.data.claim_status);
        message.textContent = kind === "in" ? root.dataset.msgIn : root.dataset.msgOut;
        message.dataset.flags = result.data.flags.join(",");
      } else {
        setStatus(statusNode.dataset.status);
        message.textContent = result.data.message || "Error";
      }
    });
  }

  // While checked in, a ping every two minutes keeps the evidence of presence during a patrol.
  var PING_EVERY_MS = 120000;
  setInterval(function () {
    if (statusNode.dataset.status !== "checked_in" || !last) { return; }
    window.FubiTasks.api("POST", "/claims/" + root.dataset.claimId + "/checkins", {
      kind: "ping",
      lat: last.coords.latitude,
      lon: last.coords.longitude,
      accuracy_m: last.coords.accuracy || 0,
      recorded_at: new Date(last.timestamp || Date.now()).toISOString()
    }).then(function (result) { if (result.ok) { root.dataset.pings = (parseInt(root.dataset.pings || "0", 10) + 1).toString(); } });
  }, PING_EVERY_MS);

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
