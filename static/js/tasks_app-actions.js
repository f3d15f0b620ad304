/* Teams, rotas and online tasks pages: buttons and small forms that call the JSON API, then reload.
   <button data-api="POST /teams/3/join">, <form data-api="POST /teams"> (fields sent as JSON:
   numbers for type=number and data-number, moments with their offset for datetime-local, booleans for checkboxes, arrays for repeated names marked data-list). */
(function () {
  "use strict";

  function showError(anchor, result) {
    var note = anchor.parentNode.querySelector(".api-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "message error api-error";
      note.setAttribute("role", "alert");
      anchor.parentNode.appendChild(note);
    }
    note.textContent = (result.data && result.data.message) || anchor.dataset.errorText || "Error";
  }

  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled) { return; }
      var value;
      if (field.type === "checkbox") {
        if (field.hasAttribute("data-list")) {
          if (!field.checked) { return; }
          value = isNaN(Number(field.value)) ? field.value : Number(field.value);
          body[field.name] = (body[field.name] || []).concat([value]);
          return;
        }
        value = field.checked;
      } else if (field.type === "datetime-local") {
        if (field.value === "") { return; }
        value = new Date(field.value).toISOString();  // the page's clock, sent with its offset
      } else if (field.type === "number") {
        if (field.value === "") { return; }
        value = Number(field.value);
      } else {
        if (field.value === "" && field.hasAttribute("data-optional")) { return; }
        value = field.hasAttribute("data-number") ? Number(field.value) : field.value;
      }
      body[field.name] = value;
    });
    return body;
  }

  function send(element, body, done) {
    var parts = element.dataset.api.split(" ");
    if (element.dataset.confirm && !window.confirm(element.dataset.confirm)) { return; }
    window.FubiTasks.api(parts[0], parts[1], body).then(function (result) {
      if (result.ok) {
        if (element.dataset.next) { window.location.assign(element.dataset.next); } else { window.location.reload(); }
        return;
      }
      done();
      showError(element, result);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-api]"), function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      send(button, button.dataset.body ? JSON.parse(button.dataset.body) : {}, function () { button.disabled = false; });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form[data-api]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submit = form.querySelector("[type=submit]");
      if (submit) { submit.disabled = true; }
      send(form, formBody(form), function () { if (submit) { submit.disabled = false; } });
    });
  });
})();
