/* The case page's dispatch card (templates/operations/_dispatch.html): POST /api/v1/cases/{id}/dispatch
   with an Idempotency-Key drawn for this page, so a second click replays the first answer instead of
   funding a second task. Texts through textContent. */
(function () {
  "use strict";
  var root = document.getElementById("dispatch");
  if (!root) { return; }
  var msg = root.dataset;
  var form = document.getElementById("dispatch-form");
  var result = document.getElementById("dispatch-result");
  var list = document.getElementById("dispatch-offers");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    result.textContent = msg.msgSending;
    fetch("/api/v1/cases/" + msg.caseId + "/dispatch", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRFToken": csrfToken(), "Idempotency-Key": msg.key },
      body: JSON.stringify({ count: Number(form.count.value), points: Number(form.points.value) })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) { result.textContent = answer.body.message || msg.msgFailed; button.disabled = false; return; }
      var text = answer.body.offers.length ? msg.msgDone : msg.msgNone;
      result.textContent = text.replace("{task}", answer.body.task_id).replace("{offers}", answer.body.offers.length);
      list.textContent = "";
      answer.body.offers.forEach(function (offer) {
        var item = document.createElement("li");
        item.textContent = (offer.distance_m / 1000).toFixed(1) + " km";
        list.appendChild(item);
      });
    }).catch(function () { result.textContent = msg.msgFailed; button.disabled = false; });
  });
})();
