// The staff's case page: a small map at the tip's location, over the outline of its grid.
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) return;
  var lat = parseFloat(el.dataset.lat);
  var lon = parseFloat(el.dataset.lon);
  var at = window.FubiMap.toMap(lat, lon);
  var map = window.FubiMap.create(el).setView(at, 16);
  window.FubiMap.grids(map, window.FubiMap.pageGrids(el));  // the case's grid
  window.L.marker(at).addTo(map);
})();
