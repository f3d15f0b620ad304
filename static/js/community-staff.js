/* The staff's community pages: answer, resolve or forward a request (/staff/groups/), moderate a
   reported post (/staff/groups/<id>/moderation/), send a broadcast (/staff/groups/broadcasts/),
   all through the API with the session cookie and CSRF header; results go in with textContent. */
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function post(path, body) {
    return fetch("/api/v1" + path, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body || {}),
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) { return { ok: response.ok, status: response.status, body: json }; });
    });
  }

  var staff = document.getElementById("cg-staff");
  if (staff) {
    var msg = staff.dataset;
    staff.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-act]");
      if (!button) { return; }
      var row = button.closest("tr");
      var result = row.querySelector(".cg-act-result");
      var act = button.dataset.act;
      var call;
      if (row.dataset.post && !row.dataset.id) {
        call = post("/posts/" + row.dataset.post + "/moderate", { action: act, minutes: button.dataset.minutes ? Number(button.dataset.minutes) : null });
      } else if (act === "reply") {
        var input = row.querySelector("input");
        call = post("/posts/" + row.dataset.post + "/replies", { text: input.value });
      } else {
        call = post("/requests/" + row.dataset.id + "/" + act, act === "resolve" ? { note: "" } : undefined);
      }
      button.disabled = true;
      call.then(function (answer) {
        button.disabled = false;
        if (!answer.ok) { result.textContent = msg.msgFailed + " " + (answer.body.message || answer.status); return; }
        result.textContent = msg.msgDone;
        var status = row.querySelector(".cg-status-cell");
        if (status && act === "reply") { status.textContent = msg.msgResponded; }
        if (status && act === "resolve") { status.textContent = msg.msgResolved; }
        if (status && act === "forward") { status.textContent = msg.msgForwarded + " #" + answer.body.tip_id; }
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.cg-shift-form"), function (shiftForm) {
    shiftForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(shiftForm);
      var result = shiftForm.querySelector(".cg-result");
      post("/duty-desks/" + shiftForm.dataset.station + "/shifts", { user_id: Number(data.get("user_id")),
        starts_at: data.get("starts_at"), ends_at: data.get("ends_at") }).then(function (answer) {
        if (answer.ok) { window.location.reload(); return; }
        result.textContent = shiftForm.dataset.msgFailed + " " + (answer.body.message || answer.status);
      });
    });
  });

  var form = document.getElementById("cg-broadcast");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var grids = data.getAll("grid_ids").map(Number);
      var result = form.querySelector(".cg-result");
      post("/broadcasts", { title: data.get("title"), body: data.get("body"), urgent: data.get("urgent") === "true",
        grid_ids: grids.length ? grids : null }).then(function (answer) {
        if (!answer.ok) { result.textContent = form.dataset.msgFailed + " " + (answer.body.message || answer.status); return; }
        result.textContent = form.dataset.msgSent + " " + answer.body.recipients;
        form.reset();
      });
    });
  }
})();
