/* /staff/live/: the command centre's wall map. Draws the board the page was served with, then follows
   GET /api/v1/live: a `position` moves its volunteer's marker and extends their track (two hours
   kept), `sos` and `case` read the board again (GET /api/v1/live/board). SLA clocks count down every
   second. Every string from the server goes into the page with textContent. The map is the shared one
   (static/js/fubi-maps.js): the chosen tiles and their credits, positions shifted to GCJ-02 with
   Chinese tiles (positions kept here stay WGS84), a plain view with the grid outlines when tiles fail. */
(function () {
  "use strict";
  var TRACK_MS = 2 * 3600 * 1000;
  var SOON_MS = 30 * 60 * 1000;
  var board = JSON.parse(document.getElementById("board-data").textContent);
  var statuses = JSON.parse(document.getElementById("status-labels").textContent);
  var text = document.getElementById("wall-text").dataset;
  var statusNode = document.querySelector("[data-testid=live-status]");
  var node = document.getElementById("wall-map");
  var toMap = window.FubiMap.toMap;
  var map = window.FubiMap.create(node, { zoomControl: true });
  var gridLayer = null;
  var layers = {
    oncall: L.layerGroup().addTo(map),
    cases: L.layerGroup().addTo(map), sos: L.layerGroup().addTo(map), duty: L.layerGroup().addTo(map)
  };
  var duty = {};  // claim id → {marker, line, points: [[lat, lon, ms]], task, name}
  var caseMarkers = [];
  var fitted = false;

  function el(tag, className, content) {
    var item = document.createElement(tag);
    if (className) { item.className = className; }
    if (content !== undefined) { item.textContent = content; }
    return item;
  }

  function clock(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var seconds = Math.floor(Math.abs(ms) / 1000) % 60;
    var hours = Math.floor(minutes / 60);
    var mm = String(minutes % 60).padStart(2, "0");
    var ss = String(seconds).padStart(2, "0");
    return hours ? hours + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function slaState(dueAt, now) {
    if (!dueAt) { return { cls: "ok", label: "" }; }
    var left = Date.parse(dueAt) - now;
    if (left < 0) { return { cls: "late", label: text.overdue + " " + clock(left) }; }
    return { cls: left < SOON_MS ? "soon" : "ok", label: clock(left) + " " + text.left };
  }

  var COLOURS = { ok: "#15803d", soon: "#d97706", late: "#b91c1c" };

  function drawGrids() {
    if (gridLayer) { map.removeLayer(gridLayer); }
    gridLayer = window.FubiMap.grids(map, board.grids, { labels: true });
  }

  function gridArea() {  // the grids' corners as drawn (shifted)
    var bounds = [];
    board.grids.forEach(function (grid) {
      bounds = bounds.concat(grid.boundary.map(function (p) { return toMap(p[1], p[0]); }));
    });
    return bounds;
  }

  function volunteerIcon() {
    return L.divIcon({ className: "duty-marker", iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  function placeVolunteer(id, entry) {
    var last = entry.points[entry.points.length - 1];
    if (!entry.marker) {
      entry.marker = L.marker(toMap(last[0], last[1]), { icon: volunteerIcon(), keyboard: false }).addTo(layers.duty);
      entry.line = L.polyline([], { color: "#2563eb", weight: 3, opacity: 0.7 }).addTo(layers.duty);
      var tip = el("span", null, entry.name + " · " + entry.task);
      entry.marker.bindTooltip(tip, { direction: "top", offset: [0, -10] });
    }
    entry.marker.setLatLng(toMap(last[0], last[1]));
    entry.line.setLatLngs(entry.points.map(function (p) { return toMap(p[0], p[1]); }));
    // data-lat/lon: the volunteer's WGS84 position; data-drawn-lat/lon: where it stands on the tiles
    window.FubiMap.mark(map, entry.marker, { "data-claim": id, "data-lat": last[0], "data-lon": last[1] });
  }

  function drawDuty() {
    Object.keys(duty).forEach(function (id) { if (duty[id].marker) { layers.duty.removeLayer(duty[id].marker); layers.duty.removeLayer(duty[id].line); } });
    duty = {};
    board.on_duty.forEach(function (volunteer) {
      duty[volunteer.id] = {
        name: volunteer.name, task: volunteer.task,
        points: volunteer.track.map(function (p) { return [p[0], p[1], Date.parse(p[2])]; })
      };
      placeVolunteer(volunteer.id, duty[volunteer.id]);
    });
    listDuty();
  }

  function listDuty() {
    var list = document.querySelector("[data-testid=duty-list]");
    list.replaceChildren();
    var ids = Object.keys(duty);
    if (!ids.length) { list.appendChild(el("li", "wall-none", text.noDuty)); }
    ids.forEach(function (id) {
      var item = el("li", "duty-item");
      item.appendChild(el("strong", null, duty[id].name));
      item.appendChild(el("span", "muted", " · " + duty[id].task));
      list.appendChild(item);
    });
    document.querySelector("[data-testid=count-on-duty]").textContent = String(ids.length);
  }

  function drawOnCall() {
    layers.oncall.clearLayers();
    board.on_call.forEach(function (p) {
      L.circleMarker(toMap(p.lat, p.lon), { radius: 5, color: "#7c3aed", weight: 1, fillOpacity: 0.6 }).addTo(layers.oncall);
    });
  }

  function drawSos() {
    layers.sos.clearLayers();
    var band = document.querySelector("[data-testid=sos-band]");
    band.replaceChildren();
    if (!board.sos.length) { band.appendChild(el("p", "wall-none", document.querySelector("[data-testid=sos-band]").dataset.none || "")); }
    board.sos.forEach(function (sos) {
      var card = el("div", "sos-card");
      card.setAttribute("data-testid", "sos-card");
      card.setAttribute("data-case", String(sos.id));
      card.appendChild(el("strong", "sos-title", "SOS " + sos.reference));
      card.appendChild(el("span", "sos-meta", sos.category + " · " + (statuses[sos.status] || sos.status)));
      var age = el("span", "sos-age");
      age.setAttribute("data-since", sos.created_at);
      card.appendChild(age);
      band.appendChild(card);
      var marker = L.marker(toMap(sos.lat, sos.lon), {
        icon: L.divIcon({ className: "sos-marker", iconSize: [26, 26], iconAnchor: [13, 13] }), zIndexOffset: 1000
      }).addTo(layers.sos);
      marker.bindTooltip(el("span", null, "SOS " + sos.reference), { permanent: true, direction: "right", offset: [12, 0] });
      window.FubiMap.mark(map, marker, { "data-case": sos.id, "data-lat": sos.lat, "data-lon": sos.lon });
    });
    document.querySelector("[data-testid=count-sos]").textContent = String(board.sos.length);
  }

  function drawCases() {
    layers.cases.clearLayers();
    caseMarkers = [];
    var list = document.querySelector("[data-testid=case-list]");
    list.replaceChildren();
    if (!board.cases.length) { list.appendChild(el("li", "wall-none", text.noCases)); }
    board.cases.forEach(function (item) {
      var marker = L.circleMarker(toMap(item.lat, item.lon), { radius: 8, weight: 2, fillOpacity: 0.75 }).addTo(layers.cases);
      window.FubiMap.mark(map, marker, { "data-testid": "case-marker", "data-case": item.id });
      marker.bindTooltip(el("span", null, item.reference + " · " + item.category));
      var row = el("li", "case-item");
      row.setAttribute("data-case", String(item.id));
      row.appendChild(el("span", "case-ref", item.reference));
      row.appendChild(el("span", "case-cat", item.category + " · " + (statuses[item.status] || item.status)));
      var due = el("span", "sla");
      row.appendChild(due);
      list.appendChild(row);
      caseMarkers.push({ item: item, marker: marker, due: due });
    });
    tick();
  }

  function tick() {
    var now = Date.now();
    var overdue = 0;
    caseMarkers.forEach(function (entry) {
      var state = slaState(entry.item.due_at, now);
      if (state.cls === "late") { overdue += 1; }
      entry.marker.setStyle({ color: COLOURS[state.cls], fillColor: COLOURS[state.cls] });
      entry.due.textContent = state.label;
      entry.due.className = "sla sla-" + state.cls;
    });
    document.querySelector("[data-testid=count-overdue]").textContent = String(overdue);
    document.querySelectorAll(".sos-age").forEach(function (age) {
      age.textContent = clock(now - Date.parse(age.getAttribute("data-since"))) + " " + text.ago;
    });
  }

  // Where things happen, else the grids' area; on a plain background (no tiles) both: the outlines are
  // then what the points stand in.
  function fitView(area) {
    var busy = [];
    board.on_duty.forEach(function (v) { v.track.forEach(function (p) { busy.push(toMap(p[0], p[1])); }); });
    board.sos.concat(board.cases).forEach(function (c) { busy.push(toMap(c.lat, c.lon)); });
    var bounds = !busy.length ? area : (window.FubiMap.isPlain(node) ? busy.concat(area) : busy);
    if (bounds.length) { map.fitBounds(bounds, { padding: [80, 80], maxZoom: 16, animate: false }); } else { map.setView(toMap(26.08, 119.3), 13, { animate: false }); }
  }

  function render() {
    drawGrids();
    if (!fitted) {  // the view first: Leaflet draws a marker's element only on a map that has one
      fitView(gridArea());
      fitted = true;
      map.on("fubiplain", function () { fitView(gridArea()); });
    }
    drawOnCall();
    drawCases();
    drawSos();
    drawDuty();
    tick();
  }

  var pending = null;
  function reload() {
    if (pending) { return; }
    pending = setTimeout(function () {
      fetch("/api/v1/live/board", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { pending = null; if (data) { board = data; render(); } })
        .catch(function () { pending = null; });
    }, 200);
  }

  function moved(data) {
    var entry = duty[data.id];
    if (data.type === "position.out") {
      if (entry) { layers.duty.removeLayer(entry.marker); layers.duty.removeLayer(entry.line); delete duty[data.id]; listDuty(); }
      return;
    }
    if (!entry) { reload(); return; }  // someone new on duty: their name and task come with the board
    var at = Date.parse(data.at) || Date.now();
    entry.points.push([data.lat, data.lon, at]);
    entry.points = entry.points.filter(function (p) { return p[2] >= at - TRACK_MS; });
    placeVolunteer(data.id, entry);
  }

  function setState(state) {
    statusNode.setAttribute("data-state", state);
    statusNode.textContent = text[state];
  }

  document.querySelector("[data-testid=sos-band]").dataset.none = document.querySelector("[data-testid=sos-none]").textContent;
  render();
  setInterval(tick, 1000);
  var opened = false;
  window.FubiLive.connect({
    events: ["position", "sos", "case"],
    onState: function (state) {
      setState(state);
      if (state === "live") {
        if (opened) { reload(); }  // back after a gap: read the state again (events may have been dropped)
        opened = true;
      }
    },
    onEvent: function (type, data) {
      if (type === "position") { moved(data); } else { reload(); }
    }
  });
})();
