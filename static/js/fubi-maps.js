/* Every map of Fubi: its tiles (FUBI_TILE_PROVIDER), the WGS84 → GCJ-02 shift when the tiles are
   Chinese (drawn positions move with the tiles, so a marker stands where it is on those tiles), and a
   plain view when tiles fail (the points, circles and distances stay; a note says tiles are missing).
   Positions in the database and in the API stay WGS84: only what is drawn is shifted. */
(function () {
  "use strict";
  var body = document.body.dataset;
  var gcj = body.tileCoords === "gcj02";

  // GCJ-02 ("Mars coordinates"), the published formula (Krasovsky ellipsoid); unchanged outside China.
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lat, lon) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }
  function wgsToGcj(lat, lon) {
    if (outOfChina(lat, lon)) { return [lat, lon]; }
    var dLat = tLat(lon - 105.0, lat - 35.0), dLon = tLon(lon - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lon + dLon];
  }
  function gcjToWgs(lat, lon) {  // a few fixed-point steps: well under a metre
    var wLat = lat, wLon = lon;
    for (var i = 0; i < 4; i++) {
      var g = wgsToGcj(wLat, wLon);
      wLat += lat - g[0];
      wLon += lon - g[1];
    }
    return [wLat, wLon];
  }

  // A WGS84 position as drawn on this site's tiles, and back (a tap on the map).
  function toMap(lat, lon) { return gcj ? wgsToGcj(lat, lon) : [lat, lon]; }
  function fromMap(lat, lon) { return gcj ? gcjToWgs(lat, lon) : [lat, lon]; }

  // Tiles, or a plain view when they fail: no tile loaded after a few errors (or none at all).
  function tiles(map, element) {
    var url = element.dataset.tiles;
    if (!url) { plain(element); return null; }
    var options = { maxZoom: 19, attribution: body.tileAttribution || "" };
    if (body.tileSubdomains) { options.subdomains = body.tileSubdomains; }
    var layer = L.tileLayer(url, options);
    var loaded = 0, failed = 0;
    layer.on("tileload", function () { loaded += 1; element.dataset.tiles_loaded = String(loaded); });
    layer.on("tileerror", function () {
      failed += 1;
      if (loaded === 0 && failed >= 3) { map.removeLayer(layer); plain(element); }
    });
    layer.addTo(map);
    return layer;
  }

  function plain(element) {
    if (element.classList.contains("map-plain")) { return; }
    element.classList.add("map-plain");
    element.dataset.tileState = "failed";
    var note = document.createElement("div");
    note.className = "map-plain-note";
    note.setAttribute("data-testid", "map-plain-note");
    note.textContent = body.msgTilesFailed || "";
    element.appendChild(note);
  }

  // A map of points: fitted to them (a meeting point and the user; a geofence counts whole).
  function fit(map, layers, maxZoom) {
    var group = L.featureGroup(layers.filter(Boolean));
    if (!group.getLayers().length) { return; }
    map.fitBounds(group.getBounds(), { padding: [28, 28], maxZoom: maxZoom || 17 });
  }

  window.FubiMap = { toMap: toMap, fromMap: fromMap, wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs, tiles: tiles, fit: fit, gcj: gcj };
})();
