/* /tasks/: ask the phone where it is (fallback: the district centre) and list tasks nearest first. */
(function () {
  "use strict";
  var list = document.getElementById("task-list");
  var where = document.getElementById("task-where");
  var count = document.getElementById("task-count");
  var filters = document.getElementById("task-filters");
  if (!list) { return; }
  var msg = list.dataset;
  var position = { lat: parseFloat(msg.lat), lon: parseFloat(msg.lon) };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Task times are the city's wall-clock times (Asia/Shanghai), whatever zone the phone is set to.
  var cityClock = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false
  });

  function time(iso, withDate) {
    var parts = {};
    cityClock.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    var hm = (parts.hour === "24" ? "00" : parts.hour) + ":" + parts.minute;
    return withDate ? parts.month + "-" + parts.day + " " + hm : hm;
  }

  function card(task, labels) {
    var a = el("a", "card task-card");
    a.href = "/tasks/" + task.id + "/";
    a.dataset.testid = "task-card";
    a.setAttribute("data-testid", "task-card");
    a.dataset.taskId = task.id;
    var top = el("div", "task-card-top");
    top.appendChild(el("span", "badge task-cat", labels[task.category] || task.category));
    if (task.is_urgent) { top.appendChild(el("span", "badge bad", msg.msgUrgent)); }
    top.appendChild(el("strong", "task-points", task.points + " FZB"));
    a.appendChild(top);
    a.appendChild(el("h2", "", task.title));
    var meta = el("div", "task-meta");
    meta.appendChild(el("span", "task-distance", task.distance_km.toFixed(1) + " " + msg.msgKm));
    meta.appendChild(el("span", "task-slots", task.slots_left + " " + msg.msgLeft));
    meta.appendChild(el("span", "task-time", time(task.starts_at, true) + "–" + time(task.ends_at, false)));
    a.appendChild(meta);
    a.appendChild(el("div", "muted task-address", msg.msgMeet + " " + task.address));
    return a;
  }

  function load() {
    var labelsNode = document.getElementById("category-labels");
    var labels = labelsNode ? JSON.parse(labelsNode.textContent) || {} : {};
    var form = new FormData(filters);
    var query = "?lat=" + position.lat + "&lon=" + position.lon + "&radius_km=" + form.get("radius_km");
    if (form.get("category")) { query += "&category=" + encodeURIComponent(form.get("category")); }
    if (form.get("when")) {
      var until = new Date(Date.now() + parseInt(form.get("when"), 10) * 3600000);
      query += "&starts_before=" + encodeURIComponent(until.toISOString());
    }
    window.FubiTasks.api("GET", "/tasks" + query).then(function (result) {
      if (!result.ok) { return; }
      list.textContent = "";
      // count is exact up to 1,000; past it the API says count_exact: false and the page "1000+"
      count.textContent = result.data.count + (result.data.count_exact ? "" : "+");
      if (!result.data.items.length) { list.appendChild(el("p", "card muted", msg.msgEmpty)); }
      result.data.items.forEach(function (task) { list.appendChild(card(task, labels)); });
      list.dataset.loaded = "true";
    });
  }

  filters.addEventListener("change", load);
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      position = { lat: pos.coords.latitude, lon: pos.coords.longitude };
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
