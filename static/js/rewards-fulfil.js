// The clerk's counter: scan the citizen's QR code with the phone camera where the browser has a
// BarcodeDetector (Chrome on Android, Safari 17+); elsewhere the button stays hidden and the clerk
// types the code.
(function () {
  "use strict";
  var form = document.getElementById("fulfil-form");
  var input = document.getElementById("code");
  var button = document.getElementById("scan-button");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  if (!form || !input || !button || !box || !video) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

  var stream = null;
  var detector = null;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    box.hidden = true;
  }

  function tick() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      var found = codes.find(function (code) { return code.rawValue; });
      if (found) {
        input.value = found.rawValue.trim();
        stop();
        form.submit();
        return;
      }
      window.requestAnimationFrame(tick);
    }).catch(function () { window.setTimeout(tick, 250); });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) return;
    detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    button.hidden = false;
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
        stream = media;
        video.srcObject = media;
        box.hidden = false;
        return video.play();
      }).then(tick).catch(function () { stop(); });
    });
  }).catch(function () { /* no detector: typing only */ });
})();
