/* /safety-index/: the heat map over a base map (static/js/fubi-maps.js: the chosen tiles and their
   credits, shifted to GCJ-02 with Chinese tiles, plain with the community outlines when tiles fail).
   Each published cell is a box of its shade (the legend under the map says what shades mean); the
   page's JSON (engagement.views.heat_map) holds the cells and outlines in WGS84. Strings go in with
   textContent. */
(function () {
  "use strict";
  var node = document.getElementById("heat-map");
  var source = document.getElementById("heat-data");
  if (!node || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var msg = node.dataset;
  var FubiMap = window.FubiMap;
  var map = FubiMap.create(node, { scrollWheelZoom: false, zoomSnap: 0.25 });

  var area = [];
  data.cells.forEach(function (cell) { area = area.concat(FubiMap.box(cell.south, cell.west, cell.north, cell.east)); });
  data.grids.forEach(function (grid) {
    area = area.concat(grid.boundary.map(function (p) { return FubiMap.toMap(p[1], p[0]); }));
  });
  map.fitBounds(area, { padding: [12, 12], maxZoom: 16 });  // the view first: layers are drawn on a map with one

  FubiMap.grids(map, data.grids, { labels: true, color: "#4b5563", weight: 1.5 });
  data.cells.forEach(function (cell) {
    var shape = L.polygon(FubiMap.box(cell.south, cell.west, cell.north, cell.east), {
      color: "#ffffff", weight: 1, fillColor: "#c8102e", fillOpacity: cell.opacity
    }).addTo(map);
    var label = document.createElement("span");
    label.textContent = cell.count + " (" + msg.msgTips + " " + cell.tips + ", " + msg.msgTasks + " " + cell.tasks + ")";
    shape.bindTooltip(label, { sticky: true });
    var centre = FubiMap.toMap(cell.lat, cell.lon);
    FubiMap.mark(map, shape, {
      "data-testid": "heat-cell", "data-count": cell.count, "data-lat": cell.lat, "data-lon": cell.lon,
      "data-drawn-lat": centre[0].toFixed(6), "data-drawn-lon": centre[1].toFixed(6)
    });
  });
})();
