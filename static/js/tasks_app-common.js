/* Shared by the tasks pages: JSON API calls with the session cookie and CSRF header, maps. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function api(method, path, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("/api/v1" + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  // The meeting point and its geofence, fitted whole, over the outline of its grid; map.fubiSite holds both (FubiMap.fit adds the user).
  function siteMap(element, lat, lon, radius) {
    if (!element || typeof L === "undefined") { return null; }
    var at = window.FubiMap.toMap(lat, lon);
    var map = window.FubiMap.create(element, { scrollWheelZoom: false }).setView(at, 16);
    window.FubiMap.grids(map, window.FubiMap.pageGrids(element));  // the grid the meeting point is in
    var pin = L.marker(at).addTo(map);
    var fence = radius ? L.circle(at, { radius: radius, color: "#c8102e", weight: 2, fillOpacity: 0.08 }).addTo(map) : null;
    element.dataset.drawnLat = at[0].toFixed(6);
    element.dataset.drawnLon = at[1].toFixed(6);
    map.fubiSite = [pin, fence];
    window.FubiMap.fit(map, map.fubiSite);
    return map;
  }

  function haversineM(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dphi = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dphi / 2), 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  window.FubiTasks = { api: api, siteMap: siteMap, haversineM: haversineM };
})();
