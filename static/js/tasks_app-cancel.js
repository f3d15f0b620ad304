/* Cancel my place (task page, my tasks, on-site page): ask first, then POST /claims/<id>/cancel. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-cancel-claim]"), function (button) {
    button.addEventListener("click", function () {
      if (!window.confirm(button.dataset.confirm)) { return; }
      button.disabled = true;
      window.FubiTasks.api("POST", "/claims/" + button.dataset.cancelClaim + "/cancel", {}).then(function (result) {
        if (result.ok) {
          if (button.dataset.next) { window.location.assign(button.dataset.next); } else { window.location.reload(); }
          return;
        }
        button.disabled = false;
        var note = document.createElement("p");
        note.className = "message error";
        note.setAttribute("role", "alert");
        note.textContent = (result.data && result.data.message) || "Error";
        button.parentNode.appendChild(note);
      });
    });
  });
})();
