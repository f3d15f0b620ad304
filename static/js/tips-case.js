// The staff's case page: a small map at the tip's location.
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) return;
  var lat = parseFloat(el.dataset.lat);
  var lon = parseFloat(el.dataset.lon);
  var map = window.L.map(el).setView([lat, lon], 16);
  if (el.dataset.tiles) {
    window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
  }
  window.L.marker([lat, lon]).addTo(map);
})();
