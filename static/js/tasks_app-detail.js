/* /tasks/<id>/: the map, and claiming a place through the API. */
(function () {
  "use strict";
  var mapNode = document.getElementById("task-map");
  if (mapNode) {
    window.FubiTasks.siteMap(mapNode, parseFloat(mapNode.dataset.lat), parseFloat(mapNode.dataset.lon), parseFloat(mapNode.dataset.radius));
  }
  var box = document.getElementById("claim-box");
  var button = document.getElementById("claim-button");
  var message = document.getElementById("claim-message");
  if (!box || !button) { return; }
  button.addEventListener("click", function () {
    button.disabled = true;
    window.FubiTasks.api("POST", "/tasks/" + box.dataset.taskId + "/claims", {}).then(function (result) {
      if (result.ok || result.data.code === "already_claimed") {
        message.textContent = box.dataset.msgClaimed;
        // Check-in not open yet (tomorrow's task): stay here, where the page says when it opens.
        if (box.dataset.checkinOpen === "1") { window.location.assign(box.dataset.onsiteUrl); } else { window.location.reload(); }
      } else {
        message.textContent = result.data.message || "Error";
        button.disabled = false;
      }
    });
  });
})();
