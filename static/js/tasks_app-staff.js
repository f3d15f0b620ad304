/* /staff/tasks/<id>/: the meeting point, the geofence and every kept fix, coloured by its judgement. */
(function () {
  "use strict";
  var node = document.getElementById("staff-map");
  var site = JSON.parse(document.getElementById("site-data").textContent);
  var fixes = JSON.parse(document.getElementById("fixes-data").textContent);
  var map = window.FubiTasks.siteMap(node, site.lat, site.lon, site.radius_m);
  if (!map) { return; }
  var bounds = [[site.lat, site.lon]];
  fixes.forEach(function (fix) {
    var colour = !fix.accepted ? "#b91c1c" : (fix.flags.length ? "#b45309" : "#15803d");
    L.circleMarker([fix.lat, fix.lon], { radius: 6, color: colour, fillOpacity: 0.8 })
      .bindPopup(fix.name + " · " + fix.kind + " · " + fix.at.slice(11, 19) + " · ±" + Math.round(fix.accuracy_m) + " m" +
        (fix.flags.length ? " · " + fix.flags.join(", ") : ""))
      .addTo(map);
    bounds.push([fix.lat, fix.lon]);
  });
  if (bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 }); }
})();
