/* One-tap SOS (templates/tips/_sos.html), on the home page and the report page.
   1. A tap asks the phone for its position and sends it at once as an SOS (POST /api/v1/tips,
      kind "sos", position only; session cookie and CSRF header).
   2. The answer shows "sent — help is being called", the reference and the nearest open safe house
      (GET /api/v1/safe-houses?open_now=true).
   3. The phone's position goes on being sent (POST /api/v1/tips/{id}/pings) every few seconds until
      the server's pings_until.
   4. Category, a few words and photos follow as an update of the same SOS (POST .../follow-up).
   Every text is set with textContent. */
(function () {
  "use strict";
  var root = document.getElementById("sos");
  if (!root) { return; }
  var msg = root.dataset;
  var button = document.getElementById("sos-button");
  var label = button.textContent;
  var status = document.getElementById("sos-status");
  var errorBox = document.getElementById("sos-error");
  var sosId = null;
  var pingTimer = null;
  var watchId = null;
  var lastCoords = null;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, body, json) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
    if (json) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {
      method: "POST", credentials: "same-origin", headers: headers, body: json ? JSON.stringify(body) : body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, body: data };
      });
    });
  }

  function fail(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
    button.disabled = false;
    button.textContent = label;
    button.classList.remove("sending");
  }

  function showHouse(position) {
    var box = document.getElementById("sos-house");
    var url = "/api/v1/safe-houses?open_now=true&radius_km=10&limit=1&lat=" + position.latitude + "&lon=" + position.longitude;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (page) {
        var house = page.items && page.items[0];
        var line = document.createElement("p");
        if (!house) { line.textContent = msg.msgNohouse; box.appendChild(line); return; }
        var name = document.createElement("strong");
        name.textContent = house.name;
        line.textContent = msg.msgNearest + " ";
        line.appendChild(name);
        line.appendChild(document.createTextNode(" · " + house.distance_km.toFixed(1) + " " + msg.msgKm));
        box.appendChild(line);
        var where = document.createElement("p");
        where.className = "muted";
        where.textContent = house.address;
        box.appendChild(where);
        if (house.phone) {
          var call = document.createElement("a");
          call.href = "tel:" + house.phone;
          call.textContent = msg.msgCall + " " + house.phone;
          box.appendChild(call);
        }
      })
      .catch(function () { /* the SOS is sent; the hint is a courtesy */ });
  }

  function stopPings() {
    if (pingTimer) { clearInterval(pingTimer); pingTimer = null; }
    if (watchId !== null && navigator.geolocation) { navigator.geolocation.clearWatch(watchId); watchId = null; }
    document.getElementById("sos-sharing").textContent = msg.msgSharingEnded;
  }

  function sendPing() {
    if (!lastCoords || sosId === null) { return; }
    post("/api/v1/tips/" + sosId + "/pings",
      { lat: lastCoords.latitude, lon: lastCoords.longitude, accuracy_m: lastCoords.accuracy }, true)
      .then(function (answer) {
        if (answer.status === 409 || answer.status === 404) { stopPings(); }
      })
      .catch(function () { /* no signal now: the next ping tries again */ });
  }

  function startPings(until) {
    document.getElementById("sos-sharing").textContent = msg.msgSharing;
    watchId = navigator.geolocation.watchPosition(function (pos) { lastCoords = pos.coords; }, function () {},
      { enableHighAccuracy: true, maximumAge: 10000 });
    var end = until ? Date.parse(until) : Date.now() + 10 * 60 * 1000;
    pingTimer = setInterval(function () {
      if (Date.now() >= end) { stopPings(); return; }
      sendPing();
    }, Number(msg.pingSeconds || 15) * 1000);
  }

  function fillCategories() {
    var select = document.getElementById("sos-category");
    fetch(msg.categoriesUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (categories) {
        categories.forEach(function (category) {
          var option = document.createElement("option");
          option.value = category.code;
          option.textContent = category.name;
          select.appendChild(option);
        });
      })
      .catch(function () {});
  }

  function sent(answer, coords) {
    sosId = answer.body.id;
    button.hidden = true;
    document.getElementById("sos-sent").hidden = false;
    document.getElementById("sos-hint").hidden = true;
    status.textContent = msg.msgSent;
    document.getElementById("sos-reference").textContent = msg.msgReference.replace("{reference}", answer.body.reference);
    document.getElementById("sos-more").hidden = false;
    showHouse(coords);
    fillCategories();
    post("/api/v1/tips/" + sosId + "/pings", { lat: coords.latitude, lon: coords.longitude, accuracy_m: coords.accuracy }, true)
      .then(function (ping) { startPings(ping.ok ? ping.body.pings_until : null); })
      .catch(function () { startPings(null); });
  }

  function sendSos(coords) {
    lastCoords = coords;
    status.textContent = msg.msgSending;
    var data = new FormData();
    data.append("kind", "sos");
    data.append("lat", coords.latitude);
    data.append("lon", coords.longitude);
    post("/api/v1/tips", data, false).then(function (answer) {
      if (answer.ok) { sent(answer, coords); } else { fail(answer.body.message || msg.msgFailed); }
    }).catch(function () { fail(msg.msgFailed); });
  }

  button.addEventListener("click", function () {
    errorBox.hidden = true;
    if (!navigator.geolocation) { fail(msg.msgNolocation); return; }
    button.disabled = true;
    button.classList.add("sending");
    button.textContent = msg.msgLocating;
    navigator.geolocation.getCurrentPosition(function (pos) { sendSos(pos.coords); }, function () { fail(msg.msgNolocation); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  document.getElementById("sos-more").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var result = document.getElementById("sos-more-result");
    post("/api/v1/tips/" + sosId + "/follow-up", new FormData(form), false).then(function (answer) {
      result.textContent = answer.ok ? msg.msgAdded : (answer.body.message || msg.msgFailed);
      if (answer.ok) { form.reset(); }
    }).catch(function () { result.textContent = msg.msgFailed; });
  });
})();
