/* /safe-houses/: ask the phone where it is (fallback: the district centre), list safe houses nearest
   first with "open now", and show them on a Leaflet map. Every string goes in through textContent. */
(function () {
  "use strict";
  var list = document.getElementById("sh-list");
  var mapNode = document.getElementById("sh-map");
  var where = document.getElementById("sh-where");
  var openOnly = document.getElementById("sh-open-only");
  if (!list) { return; }
  var msg = list.dataset;
  var position = { lat: parseFloat(msg.lat), lon: parseFloat(msg.lon) };
  var located = false;
  var map = null, layer = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function setupMap() {
    if (!mapNode || typeof L === "undefined") { return; }
    map = L.map(mapNode, { scrollWheelZoom: false }).setView(window.FubiMap.toMap(position.lat, position.lon), 14);
    window.FubiMap.tiles(map, mapNode);
    layer = L.layerGroup().addTo(map);
  }

  function popupFor(house) {
    var box = el("div", "sh-popup");
    box.appendChild(el("strong", "", house.name));
    box.appendChild(el("span", "", (house.open_now ? msg.msgOpen : msg.msgClosed) + (house.is_24h ? " · " + msg.msgAllday : "")));
    box.appendChild(el("div", "muted", house.address));
    if (house.phone) {
      var call = el("a", "", msg.msgCall + " " + house.phone);
      call.href = "tel:" + house.phone;
      box.appendChild(call);
    }
    return box;
  }

  function card(house) {
    var article = el("article", "card sh-card");
    article.setAttribute("data-testid", "sh-card");
    article.dataset.id = house.id;
    article.dataset.open = house.open_now ? "true" : "false";
    var top = el("div", "sh-card-top");
    top.appendChild(el("h2", "", house.name));
    top.appendChild(el("span", "sh-distance", house.distance_km.toFixed(1) + " " + msg.msgKm));
    article.appendChild(top);
    var badges = el("p", "sh-badges");
    var state = el("span", house.open_now ? "badge ok" : "badge", house.open_now ? msg.msgOpen : msg.msgClosed);
    state.setAttribute("data-testid", house.open_now ? "sh-open" : "sh-closed");
    badges.appendChild(state);
    if (house.is_24h) { badges.appendChild(el("span", "badge ok", msg.msgAllday)); }
    article.appendChild(badges);
    article.appendChild(el("p", "muted sh-address", house.address));
    if (house.phone) {
      var p = el("p");
      var call = el("a", "sh-call", msg.msgCall + " " + house.phone);
      call.href = "tel:" + house.phone;
      p.appendChild(call);
      article.appendChild(p);
    }
    return article;
  }

  function draw(items) {
    list.textContent = "";
    if (!items.length) { list.appendChild(el("p", "card muted", msg.msgEmpty)); }
    items.forEach(function (house) { list.appendChild(card(house)); });
    if (!map) { return; }
    layer.clearLayers();
    var toMap = window.FubiMap.toMap;
    var bounds = [toMap(position.lat, position.lon)];
    if (located) {
      L.circleMarker(bounds[0], { radius: 7, color: "#1d4ed8", fillOpacity: 0.8 })
        .bindPopup(el("span", "", msg.msgYou)).addTo(layer);
    }
    items.forEach(function (house) {
      L.circleMarker(toMap(house.lat, house.lon), {
        radius: 9, weight: 2, color: house.open_now ? "#15803d" : "#6b7280", fillOpacity: 0.7
      }).bindPopup(popupFor(house)).addTo(layer);
      bounds.push(toMap(house.lat, house.lon));
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }
  }

  function load() {
    var query = "?lat=" + position.lat + "&lon=" + position.lon + "&radius_km=" + msg.radius;
    if (openOnly && openOnly.checked) { query += "&open_now=true"; }
    window.FubiTasks.api("GET", "/safe-houses" + query).then(function (result) {
      if (!result.ok) { return; }
      draw(result.data.items);
      list.dataset.loaded = "true";
    });
  }

  setupMap();
  if (openOnly) { openOnly.addEventListener("change", load); }
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      position = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      located = true;
      where.textContent = msg.msgHere;
      load();
    }, function () {
      where.textContent = msg.msgFallback;
      load();
    }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  } else {
    where.textContent = msg.msgFallback;
    load();
  }
})();
