/* Every map of Fubi: its tiles (FUBI_TILE_PROVIDER), the WGS84 → GCJ-02 shift when the tiles are
   Chinese (drawn positions move with the tiles, so a marker stands where it is on those tiles), and a
   plain view when tiles fail (the grid outlines, points, circles and distances stay; a note says tiles
   are missing). Every map starts with FubiMap.create (or FubiMap.tiles on its own L.map), draws what
   it shows through FubiMap.toMap, and its grid outlines through FubiMap.grids.
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

  // Tiles, or a plain view when they fail: no tile loaded after a few errors (or none at all). The map
  // fires "fubiplain" when it turns plain after the fact (a page may then show more of its outlines).
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
      if (loaded === 0 && failed >= 3) { map.removeLayer(layer); plain(element); map.fire("fubiplain"); }
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

  // A map with this site's tiles (or the plain view), credits in its corner: every page's map starts here.
  function create(element, options) {
    var map = L.map(element, options || {});
    tiles(map, element);
    return map;
  }

  // Where a layer stands on the map, on its element (data-drawn-lat/lon: what Leaflet drew, shifted
  // or not), once the map has a view (Leaflet makes a layer's element only then).
  function mark(map, layer, attributes) {
    map.whenReady(function () {
      var dom = layer.getElement ? layer.getElement() : null;
      if (!dom) { return; }
      Object.keys(attributes || {}).forEach(function (name) { dom.setAttribute(name, String(attributes[name])); });
      if (layer.getLatLng) {
        var at = layer.getLatLng();
        dom.setAttribute("data-drawn-lat", at.lat.toFixed(6));
        dom.setAttribute("data-drawn-lon", at.lng.toFixed(6));
      }
    });
    return layer;
  }

  // Grid outlines (网格): [{name, boundary: [[lon, lat], ...]}] (WGS84, GeoJSON order), drawn shifted
  // like everything else, dashed and not clickable; kept in the plain view, where they are the map.
  // With labels each carries its name (textContent). Returns the layer group holding them.
  function grids(map, items, options) {
    var settings = options || {};
    var layer = L.layerGroup().addTo(map);
    (items || []).forEach(function (grid) {
      var ring = grid.boundary.map(function (p) { return toMap(p[1], p[0]); });
      var outline = L.polygon(ring, {
        color: settings.color || "#1d4ed8", weight: settings.weight || 2, fill: false, dashArray: "6 4", interactive: false
      }).addTo(layer);
      if (settings.labels) {  // in the outline's north-west corner: its middle is where the points are
        var name = document.createElement("span");
        name.textContent = grid.name;
        var corner = [Math.max.apply(null, ring.map(function (p) { return p[0]; })),
          Math.min.apply(null, ring.map(function (p) { return p[1]; }))];
        L.tooltip(corner, { permanent: true, direction: "right", offset: [2, 14], className: "map-grid-name" })
          .setContent(name).addTo(layer);
      }
      mark(map, outline, { "data-testid": "map-grid", "data-grid": grid.name });
    });
    return layer;
  }

  // The grids a page serves for a map: the id of a json_script in the element's data-grids.
  function pageGrids(element) {
    var source = element.dataset.grids ? document.getElementById(element.dataset.grids) : null;
    return source ? JSON.parse(source.textContent) || [] : [];
  }

  // The drawn corners of a WGS84 box (south, west, north, east): a rectangle on WGS84 tiles, the
  // same box shifted on GCJ-02 ones.
  function box(south, west, north, east) {
    return [toMap(south, west), toMap(north, west), toMap(north, east), toMap(south, east)];
  }

  function isPlain(element) { return element.classList.contains("map-plain"); }

  // A map of points: fitted to them (a meeting point and the user; a geofence counts whole).
  function fit(map, layers, maxZoom) {
    var group = L.featureGroup(layers.filter(Boolean));
    if (!group.getLayers().length) { return; }
    map.fitBounds(group.getBounds(), { padding: [28, 28], maxZoom: maxZoom || 17 });
  }

  window.FubiMap = {
    toMap: toMap, fromMap: fromMap, wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs, tiles: tiles, fit: fit, gcj: gcj,
    create: create, isPlain: isPlain, mark: mark, grids: grids, pageGrids: pageGrids, box: box
  };
})();
