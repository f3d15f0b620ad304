/* The new-rota form: days and shifts into the JSON of POST /rotas, then reload. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-rota-form]");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {
      title: form.elements.title.value,
      address: form.elements.address.value,
      lat: Number(form.elements.lat.value),
      lon: Number(form.elements.lon.value),
      headcount: Number(form.elements.headcount.value),
      points: Number(form.elements.points.value),
      starts_on: form.elements.starts_on.value,
      weekdays: [],
      shifts: []
    };
    if (form.elements.ends_on.value) { body.ends_on = form.elements.ends_on.value; }
    if (form.elements.team_id.value) { body.team_id = Number(form.elements.team_id.value); }
    if (form.elements.agency_id) { body.agency_id = Number(form.elements.agency_id.value); }
    Array.prototype.forEach.call(form.querySelectorAll("input[name=weekdays]:checked"), function (box) {
      body.weekdays.push(Number(box.value));
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-shift]"), function (row) {
      if (!row.querySelector("[data-shift-on]").checked) { return; }
      body.shifts.push({
        kind: row.dataset.shift,
        starts: row.querySelector("[data-shift-starts]").value,
        ends: row.querySelector("[data-shift-ends]").value
      });
    });
    var submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    window.FubiTasks.api("POST", "/rotas", body).then(function (result) {
      if (result.ok) { window.location.reload(); return; }
      submit.disabled = false;
      var note = form.querySelector(".api-error") || document.createElement("p");
      note.className = "message error api-error";
      note.setAttribute("role", "alert");
      note.textContent = (result.data && result.data.message) || "Error";
      form.appendChild(note);
    });
  });
})();
