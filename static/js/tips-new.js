// The tip form: fill lat/lon from the browser's geolocation or a tap on the map; at most 6 photos.
(function () {
  "use strict";
  var form = document.getElementById("tip-form");
  if (!form) return;
  var lat = document.getElementById("tip-lat");
  var lon = document.getElementById("tip-lon");
  var status = document.getElementById("tip-location-status");
  var mapEl = document.getElementById("tip-map");
  var map = null;
  var marker = null;

  function setPoint(la, lo, message) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (message) status.textContent = message;
    if (map) {
      if (marker) marker.setLatLng([la, lo]);
      else marker = window.L.marker([la, lo]).addTo(map);
      map.setView([la, lo], Math.max(map.getZoom(), 16));
    }
  }

  if (window.L && mapEl) {
    var startLat = parseFloat(lat.value) || parseFloat(mapEl.dataset.centerLat);
    var startLon = parseFloat(lon.value) || parseFloat(mapEl.dataset.centerLon);
    map = window.L.map(mapEl).setView([startLat, startLon], lat.value ? 16 : 13);
    if (mapEl.dataset.tiles) {
      window.L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    }
    if (lat.value && lon.value) marker = window.L.marker([startLat, startLon]).addTo(map);
    map.on("click", function (event) {
      setPoint(event.latlng.lat, event.latlng.lng, mapEl.dataset.pickedText || "✓");
    });
  }

  function locate() {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setPoint(position.coords.latitude, position.coords.longitude, "✓ " + Math.round(position.coords.accuracy) + " m");
      },
      function () {
        status.textContent = "⚠";
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }
  document.getElementById("tip-locate").addEventListener("click", locate);
  if (!lat.value) locate();

  var photos = document.getElementById("tip-photos");
  var max = parseInt(form.dataset.maxPhotos || "6", 10);
  photos.addEventListener("change", function () {
    var note = document.getElementById("tip-photos-note");
    if (photos.files.length > max) {
      photos.value = "";
      note.textContent = "≤ " + max;
    } else {
      note.textContent = photos.files.length ? "✓ " + photos.files.length : "";
    }
  });
})();
