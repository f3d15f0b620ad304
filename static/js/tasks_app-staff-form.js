/* /staff/tasks/: the new task's meeting point from a search of the district's known places (a local
   list: works offline; a geocoder too when FUBI_GEOCODER_URL is set) or a tap on the map, its geofence
   drawn as the radius changes; what publishing will hold of the agency's budget; and a confirmation,
   saying what returns to the budget, before a task is cancelled. Text is set with textContent. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var form = document.getElementById("task-form");
  if (!form) { return; }
  var places = JSON.parse(document.getElementById("known-places").textContent) || [];
  var budgets = JSON.parse(document.getElementById("agency-budgets").textContent) || {};
  var geocoder = JSON.parse(document.getElementById("geocoder-url").textContent) || "";
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };
  var lat = field("lat"), lon = field("lon"), radius = field("radius_m"), address = field("address");
  var search = document.getElementById("place-search");
  var results = document.getElementById("place-results");
  var picked = document.getElementById("picked-note");
  var budgetNote = document.getElementById("budget-note");
  var mapNode = document.getElementById("task-form-map");
  var map = null, pin = null, fence = null;

  function draw() {
    if (!map) { return; }
    var at = window.FubiMap.toMap(parseFloat(lat.value), parseFloat(lon.value));
    if (!pin) {
      pin = L.marker(at).addTo(map);
      fence = L.circle(at, { radius: parseFloat(radius.value) || 0, color: "#c8102e", weight: 2, fillOpacity: 0.08 }).addTo(map);
    }
    pin.setLatLng(at);
    fence.setLatLng(at);
    fence.setRadius(parseFloat(radius.value) || 0);
    mapNode.dataset.pickedLat = lat.value;
    mapNode.dataset.pickedLon = lon.value;
  }

  function choose(place) {
    lat.value = Number(place.lat).toFixed(6);
    lon.value = Number(place.lon).toFixed(6);
    if (place.name && !address.value) { address.value = place.name; }
    picked.textContent = form.dataset.msgPicked + " " + (place.name || "");
    results.textContent = "";
    draw();
    if (map) { window.FubiMap.fit(map, [pin, fence], 17); }
  }

  function option(place) {
    var item = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.setAttribute("data-testid", "place-option");
    button.textContent = place.name;
    var kind = document.createElement("span");
    kind.className = "muted";
    kind.textContent = " · " + place.kind;
    button.appendChild(kind);
    button.addEventListener("click", function () { choose(place); });
    item.appendChild(button);
    return item;
  }

  function show(found) {
    results.textContent = "";
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = form.dataset.msgNone;
      results.appendChild(none);
      return;
    }
    found.slice(0, 8).forEach(function (place) { results.appendChild(option(place)); });
  }

  function find(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var local = places.filter(function (place) {
      var name = place.name.toLowerCase();
      return words.every(function (word) { return name.indexOf(word) !== -1; });
    });
    show(local);
    if (!geocoder || query.length < 3) { return; }
    fetch(geocoder + (geocoder.indexOf("?") === -1 ? "?" : "&") + "format=json&limit=5&q=" + encodeURIComponent(query))
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (rows) {
        if (search.value.trim() !== query) { return; }
        show(local.concat(rows.map(function (row) {
          return { name: row.display_name, kind: "", lat: parseFloat(row.lat), lon: parseFloat(row.lon) };
        })));
      }, function () { /* offline: the known places stay */ });
  }

  var pending = null;
  search.addEventListener("input", function () {
    clearTimeout(pending);
    var query = search.value.trim();
    if (!query) { results.textContent = ""; return; }
    pending = setTimeout(function () { find(query); }, 150);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();  // Enter picks the first match instead of saving the form
    var first = results.querySelector("button");
    if (first) { first.click(); }
  });

  // What publishing holds: people × points, against the chosen agency's available budget.
  function budget() {
    var hold = (parseInt(field("headcount").value, 10) || 0) * (parseInt(field("points").value, 10) || 0);
    var available = budgets[field("agency").value] || 0;
    var publishing = field("publish").checked;
    var text = !publishing ? form.dataset.msgDraft : (hold > available ? form.dataset.msgShort : form.dataset.msgHold);
    budgetNote.textContent = text.replace("{hold}", hold.toLocaleString("en-US"))
      .replace("{available}", available.toLocaleString("en-US"))
      .replace("{left}", (available - hold).toLocaleString("en-US"));
    budgetNote.className = "budget-note" + (publishing && hold > available ? " outside" : "");
    budgetNote.dataset.hold = String(hold);
    budgetNote.dataset.available = String(available);
  }
  ["headcount", "points", "agency", "publish"].forEach(function (name) {
    field(name).addEventListener("input", budget);
    field(name).addEventListener("change", budget);
  });
  budget();

  if (mapNode && typeof L !== "undefined") {
    map = L.map(mapNode, { scrollWheelZoom: false }).setView(window.FubiMap.toMap(parseFloat(lat.value), parseFloat(lon.value)), 15);
    window.FubiMap.tiles(map, mapNode);
    draw();
    map.on("click", function (event) {
      var at = window.FubiMap.fromMap(event.latlng.lat, event.latlng.lng);
      choose({ lat: at[0], lon: at[1], name: "" });
    });
    [lat, lon, radius].forEach(function (input) { input.addEventListener("input", draw); });
  }
})();
