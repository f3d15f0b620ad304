// The place-code page: each PDF sheet still being made polls GET /api/v1/place-codes/sheets/{id}
// (the session cookie) and moves its progress bar; when done, its download link shows.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function show(item, sheet) {
    var bar = item.querySelector("[data-role=bar]");
    bar.max = sheet.total || 1;
    bar.value = sheet.status === "done" ? bar.max : sheet.done;
    item.querySelector("[data-role=count]").textContent = sheet.done + " / " + sheet.total;
    item.querySelector("[data-role=status]").textContent = item.dataset["label" + sheet.status.charAt(0).toUpperCase() + sheet.status.slice(1)] || "";
    item.querySelector("[data-role=error]").textContent = sheet.error || "";
    item.dataset.status = sheet.status;
    var link = item.querySelector("[data-role=download]");
    if (sheet.download_url) {
      link.href = sheet.download_url;
      link.hidden = false;
    }
  }

  function poll(item) {
    fetch(item.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (sheet) {
        if (sheet) show(item, sheet);
        if (!sheet || sheet.status === "queued" || sheet.status === "running") {
          window.setTimeout(function () { poll(item); }, POLL_MS);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(item); }, POLL_MS * 5); });
  }

  document.querySelectorAll("[data-testid=plate-sheet]").forEach(function (item) {
    if (item.dataset.status === "queued" || item.dataset.status === "running") poll(item);
  });
})();
