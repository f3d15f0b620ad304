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

  // HH:MM:SS of a moment on the city's clock (Asia/Shanghai), whatever the browser's zone.
  var clock = new Intl.DateTimeFormat("en-GB", { timeZone: site.time_zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  function cityTime(iso) { return clock.format(new Date(iso)); }

  // A popup is DOM nodes filled with textContent, never an HTML string: the citizen's display name
  // (and everything else from the API) is shown as the text it is, whatever markup it holds.
  function popupFor(fix) {
    var box = document.createElement("div");
    box.className = "fix-popup";
    box.setAttribute("data-testid", "fix-popup");
    var name = document.createElement("strong");
    name.className = "fix-name";
    name.textContent = fix.name;
    box.appendChild(name);
    var facts = [site.kinds[fix.kind] || fix.kind, cityTime(fix.at), "±" + Math.round(fix.accuracy_m) + " m"];
    if (fix.flags.length) { facts.push(fix.flags.map(function (f) { return site.flags[f] || f; }).join(", ")); }
    box.appendChild(document.createTextNode(" · " + facts.join(" · ")));
    return box;
  }

  function draw(list, fit) {
    if (!layer) { return; }
    layer.clearLayers();
    var bounds = [map.fubiSite[0].getLatLng()];  // the meeting point, as drawn
    list.forEach(function (fix) {
      // A refused tap the citizen corrected is grey: evidence, not a red flag.
      var colour = fix.corrected ? "#9ca3af" : (!fix.accepted ? "#b91c1c" : (fix.flags.length ? "#b45309" : "#15803d"));
      var at = window.FubiMap.toMap(fix.lat, fix.lon);
      L.circleMarker(at, { radius: 6, color: colour, fillOpacity: 0.8 })
        .bindPopup(popupFor(fix))
        .addTo(layer);
      bounds.push(at);
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
            accuracy_m: c.accuracy_m, accepted: c.accepted, corrected: c.corrected, flags: c.flags, at: c.received_at });
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
