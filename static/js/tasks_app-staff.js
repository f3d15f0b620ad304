/* /staff/tasks/<id>/: the meeting point, the geofence and every kept fix, coloured by its judgement;
   refreshed from GET /api/v1/tasks/<id>/claims every 15 seconds (the live view). */
(function () {
  "use strict";
  var node = document.getElementById("staff-map");
  var site = JSON.parse(document.getElementById("site-data").textContent);
  var fixes = JSON.parse(document.getElementById("fixes-data").textContent);
  var live = document.getElementById("live-note");
  var map = window.FubiTasks.siteMap(node, site.lat, site.lon, site.radius_m);
  var layer = map ? L.layerGroup().addTo(map) : null;
  var shown = fixes.length;
  var statuses = null;

  function draw(list, fit) {
    if (!layer) { return; }
    layer.clearLayers();
    var bounds = [[site.lat, site.lon]];
    list.forEach(function (fix) {
      var colour = !fix.accepted ? "#b91c1c" : (fix.flags.length ? "#b45309" : "#15803d");
      L.circleMarker([fix.lat, fix.lon], { radius: 6, color: colour, fillOpacity: 0.8 })
        .bindPopup(fix.name + " · " + fix.kind + " · " + fix.at.slice(11, 19) + " · ±" + Math.round(fix.accuracy_m) + " m" +
          (fix.flags.length ? " · " + fix.flags.join(", ") : ""))
        .addTo(layer);
      bounds.push([fix.lat, fix.lon]);
    });
    if (fit && bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 }); }
  }

  function refresh() {
    window.FubiTasks.api("GET", "/tasks/" + site.task_id + "/claims?limit=200").then(function (result) {
      if (!result.ok) { return; }
      var list = [];
      var now = [];
      result.data.items.forEach(function (claim) {
        now.push(claim.id + ":" + claim.status);
        claim.checkins.forEach(function (c) {
          list.push({ claim: claim.id, name: claim.user.display_name, kind: c.kind, lat: c.lat, lon: c.lon,
            accuracy_m: c.accuracy_m, accepted: c.accepted, flags: c.flags, at: c.received_at });
        });
      });
      draw(list, false);
      var changed = statuses !== null && statuses !== now.join(",");
      statuses = now.join(",");
      if (live) {
        live.hidden = !(changed || list.length !== shown);
      }
    });
  }

  draw(fixes, true);
  if (site.task_id) { refresh(); setInterval(refresh, 15000); }
})();
