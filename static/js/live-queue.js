/* /staff/cases/: the queue follows GET /api/v1/live. A `case` or `sos` event reads this same page
   again (its filters and page kept) and swaps the table in, new rows highlighted; the SLA clock of
   every row counts down each second. The table comes from our server's own rendering (escaped by
   Django); nothing here builds markup from data. */
(function () {
  "use strict";
  var SOON_MS = 30 * 60 * 1000;
  var status = document.querySelector("[data-testid=queue-live]");
  var board = document.querySelector("[data-testid=case-board]");
  if (!status || !board) { return; }
  var text = status.dataset;

  function clock(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var hours = Math.floor(total / 3600);
    var mm = String(Math.floor(total / 60) % 60).padStart(2, "0");
    var ss = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function tick() {
    var now = Date.now();
    board.querySelectorAll(".sla-clock").forEach(function (node) {
      var left = Date.parse(node.getAttribute("data-due")) - now;
      if (isNaN(left)) { return; }
      node.textContent = left < 0 ? text.overdue + " " + clock(left) : clock(left) + " " + text.left;
      node.className = "sla-clock " + (left < 0 ? "sla-late" : (left < SOON_MS ? "sla-soon" : "sla-ok"));
    });
  }

  function ids(root) {
    var seen = {};
    root.querySelectorAll("tr[data-case-id]").forEach(function (row) { seen[row.getAttribute("data-case-id")] = true; });
    return seen;
  }

  var pending = null;
  function refresh() {
    if (pending) { return; }
    pending = setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          pending = null;
          if (!html) { return; }
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.querySelector("[data-testid=case-board] tbody");
          if (!fresh) { return; }
          var before = ids(board);
          fresh.querySelectorAll("tr[data-case-id]").forEach(function (row) {
            if (!before[row.getAttribute("data-case-id")]) { row.classList.add("case-new"); }
          });
          board.querySelector("tbody").replaceWith(document.adoptNode(fresh));
          var count = page.querySelector("[data-testid=case-count]");
          var shown = document.querySelector("[data-testid=case-count]");
          if (count && shown) { shown.textContent = count.textContent; }
          tick();
        })
        .catch(function () { pending = null; });
    }, 200);
  }

  var opened = false;
  window.FubiLive.connect({
    events: ["case", "sos"],
    onState: function (state) {
      status.setAttribute("data-state", state);
      status.textContent = text[state];
      if (state === "live") {
        if (opened) { refresh(); }  // back after a gap: events may have been dropped
        opened = true;
      }
    },
    onEvent: refresh
  });
  tick();
  setInterval(tick, 1000);
})();
