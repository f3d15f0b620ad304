// The staff's case page: a small map at the tip's location.
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) return;
  var lat = parseFloat(el.dataset.lat);
  var lon = parseFloat(el.dataset.lon);
  var at = window.FubiMap.toMap(lat, lon);
  var map = window.L.map(el).setView(at, 16);
  window.FubiMap.tiles(map, el);
  window.L.marker(at).addTo(map);
})();
