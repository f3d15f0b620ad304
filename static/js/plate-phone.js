// A door plate's page: a guest may give a phone number; a code is texted to it and typed back with
// the report. Every text shown is set with textContent.
(function () {
  "use strict";
  var box = document.getElementById("plate-phone");
  if (!box) return;
  var number = document.getElementById("plate-phone-number");
  var send = document.getElementById("plate-phone-send");
  var status = document.getElementById("plate-phone-status");
  var verification = document.getElementById("plate-phone-verification");
  var codeRow = document.getElementById("plate-phone-code-row");
  var wait = null;

  function countdown(seconds) {
    send.disabled = true;
    var left = seconds;
    window.clearInterval(wait);
    wait = window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(wait);
        send.disabled = false;
      }
    }, 1000);
  }

  send.addEventListener("click", function () {
    if (!number.value.trim()) {
      number.focus();
      return;
    }
    send.disabled = true;
    fetch(box.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ phone: number.value.trim() }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.status === 201, body: body };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          status.textContent = (result.body && result.body.message) || box.dataset.textFailed;
          send.disabled = false;
          return;
        }
        verification.value = String(result.body.verification_id);
        status.textContent = box.dataset.textSent + " " + result.body.phone;
        codeRow.hidden = false;
        document.getElementById("plate-phone-code").focus();
        countdown(result.body.resend_after_seconds || 60);
      })
      .catch(function () {
        status.textContent = box.dataset.textFailed;
        send.disabled = false;
      });
  });
})();
