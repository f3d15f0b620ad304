/* /safe-houses/duty/: answer a roll call with a photo and the phone's position (multipart POST to
   /api/v1/roll-calls/{id}/answer with the session cookie and CSRF header). */
(function () {
  "use strict";
  var root = document.getElementById("sh-duty");
  if (!root) { return; }
  var msg = root.dataset;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(form, result, coords) {
    var data = new FormData(form);
    data.append("lat", coords.latitude);
    data.append("lon", coords.longitude);
    fetch("/api/v1/roll-calls/" + form.dataset.id + "/answer", {
      method: "POST", credentials: "same-origin", body: data,
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          result.textContent = msg.msgSent;
          form.querySelector("button").disabled = true;
        } else {
          result.textContent = msg.msgFailed + " " + (body.message || response.status);
        }
      });
    });
  }

  Array.prototype.forEach.call(root.querySelectorAll("form.sh-answer"), function (form) {
    var result = form.querySelector(".sh-answer-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!navigator.geolocation) { result.textContent = msg.msgNolocation; return; }
      navigator.geolocation.getCurrentPosition(function (pos) { send(form, result, pos.coords); },
        function () { result.textContent = msg.msgNolocation; },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 0 });
    });
  });
})();
