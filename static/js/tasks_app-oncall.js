/* /tasks/on-call/: go on or off call, keep the shared position fresh, answer urgent offers. */
(function () {
  "use strict";
  var root = document.getElementById("on-call");
  if (!root) { return; }
  var state = document.getElementById("on-call-state");
  var toggle = document.getElementById("on-call-toggle");
  var onCall = root.dataset.onCall === "true";
  var watch = null;
  var lastSent = 0;

  function render() {
    state.textContent = onCall ? root.dataset.msgOn : root.dataset.msgOff;
    toggle.textContent = onCall ? root.dataset.labelOff : root.dataset.labelOn;
    root.dataset.onCall = onCall ? "true" : "false";
  }

  function share(pos, force) {
    if (!force && Date.now() - lastSent < 60000) { return; }
    lastSent = Date.now();
    window.FubiTasks.api("POST", "/volunteer/on-call", {
      on_call: true, lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: pos.coords.accuracy || 0
    }).then(function (result) { onCall = result.ok && result.data.on_call; render(); });
  }

  function start() {
    if (!navigator.geolocation) { state.textContent = root.dataset.msgDenied; return; }
    watch = navigator.geolocation.watchPosition(function (pos) { share(pos, watch !== null && lastSent === 0); },
      function () { state.textContent = root.dataset.msgDenied; }, { enableHighAccuracy: true, maximumAge: 30000 });
  }

  toggle.addEventListener("click", function () {
    if (onCall) {
      if (watch !== null) { navigator.geolocation.clearWatch(watch); watch = null; }
      lastSent = 0;
      window.FubiTasks.api("POST", "/volunteer/on-call", { on_call: false }).then(function () { onCall = false; render(); });
    } else {
      lastSent = 0;
      start();
    }
  });

  document.querySelectorAll(".offer-answer").forEach(function (button) {
    button.addEventListener("click", function () {
      window.FubiTasks.api("POST", "/offers/" + button.dataset.offerId + "/" + button.dataset.answer, {}).then(function (result) {
        if (result.ok && button.dataset.answer === "accept") { window.location.assign("/tasks/" + result.data.task_id + "/onsite/"); }
        else { window.location.reload(); }
      });
    });
  });

  render();
  if (onCall) { start(); }
})();
