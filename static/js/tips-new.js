// The tip form: fill lat/lon from the browser's geolocation or a tap on the map; at most 6 photos.
(function () {
  "use strict";
  var form = document.getElementById("tip-form");
  if (!form) return;
  var lat = document.getElementById("tip-lat");
  var lon = document.getElementById("tip-lon");
  var status = document.getElementById("tip-location-status");
  var mapEl = document.getElementById("tip-map");
  var map = null;
  var marker = null;

  // A door plate's page (tips/plate.html) has no location fields: the plate is the place.
  function setPoint(la, lo, message) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (message) status.textContent = message;
    if (map) {
      var at = window.FubiMap.toMap(la, lo);  // the fields keep WGS84; the map draws on its tiles' datum
      if (marker) marker.setLatLng(at);
      else marker = window.L.marker(at).addTo(map);
      map.setView(at, Math.max(map.getZoom(), 16));
    }
  }

  if (window.L && mapEl && lat && lon) {
    var startLat = parseFloat(lat.value) || parseFloat(mapEl.dataset.centerLat);
    var startLon = parseFloat(lon.value) || parseFloat(mapEl.dataset.centerLon);
    var start = window.FubiMap.toMap(startLat, startLon);
    map = window.L.map(mapEl).setView(start, lat.value ? 16 : 13);
    window.FubiMap.tiles(map, mapEl);
    if (lat.value && lon.value) marker = window.L.marker(start).addTo(map);
    map.on("click", function (event) {
      var picked = window.FubiMap.fromMap(event.latlng.lat, event.latlng.lng);
      setPoint(picked[0], picked[1], mapEl.dataset.pickedText || "✓");
    });
  }

  function locate() {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setPoint(position.coords.latitude, position.coords.longitude, "✓ " + Math.round(position.coords.accuracy) + " m");
      },
      function () {
        status.textContent = "⚠";
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }
  if (lat && lon) {
    document.getElementById("tip-locate").addEventListener("click", locate);
    if (!lat.value) locate();
  }

  // --- photos: thumbnails, shrinking in the browser, and sending with a progress bar ---------------
  // A phone photo can be 50 MP and 20 MB: past the server's limits (FUBI_MAX_PHOTO_BYTES and
  // FUBI_MAX_PHOTO_PIXELS, given as data attributes) it is redrawn on a canvas, longest side at most
  // LONGEST_SIDE px, as JPEG; the server re-encodes every photo anyway (and strips its metadata).
  var LONGEST_SIDE = 4096;
  var QUALITY = 0.85;
  var text = form.dataset;
  var photos = document.getElementById("tip-photos");
  var thumbs = document.getElementById("tip-thumbs");
  var note = document.getElementById("tip-photos-note");
  var button = document.getElementById("tip-submit");
  var progress = document.getElementById("tip-progress");
  var bar = document.getElementById("tip-progress-bar");
  var progressText = document.getElementById("tip-progress-text");
  var errorBox = document.getElementById("tip-error");
  var max = parseInt(text.maxPhotos || "6", 10);
  var maxBytes = parseInt(text.maxPhotoBytes || "8388608", 10);
  var maxPixels = parseInt(text.maxPhotoPixels || "50000000", 10);
  var prepared = Promise.resolve([]);
  var sending = false;

  function decode(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: "from-image" });
    }
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        resolve(image);
      };
      image.onerror = reject;
      image.src = URL.createObjectURL(file);
    });
  }

  function encode(source, width, height, quality) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(source, 0, 0, width, height);
    return new Promise(function (resolve, reject) {
      canvas.toBlob(
        function (blob) {
          canvas.width = canvas.height = 0; // give the memory back at once
          if (blob) resolve(blob);
          else reject(new Error("toBlob"));
        },
        "image/jpeg",
        quality
      );
    });
  }

  // One chosen file → {blob, name, shrunk, failed}: as it is when it fits, else a smaller JPEG.
  function prepare(file) {
    return decode(file).then(
      function (source) {
        var width = source.width;
        var height = source.height;
        var fits = Math.max(width, height) <= LONGEST_SIDE && width * height <= maxPixels;
        if (fits && file.size <= maxBytes) {
          if (source.close) source.close();
          return { blob: file, name: file.name, shrunk: false, failed: false };
        }
        var scale = Math.min(1, LONGEST_SIDE / Math.max(width, height), Math.sqrt((maxPixels * 0.98) / (width * height)));
        var w = Math.max(1, Math.floor(width * scale));
        var h = Math.max(1, Math.floor(height * scale));
        var quality = QUALITY;
        function attempt() {
          return encode(source, w, h, quality).then(function (blob) {
            if (blob.size <= maxBytes || w < 400) return blob;
            // Still too heavy (a very detailed picture): lower the quality a little, then the size.
            if (quality > 0.6) quality -= 0.1;
            else {
              w = Math.floor(w * 0.8);
              h = Math.floor(h * 0.8);
            }
            return attempt();
          });
        }
        return attempt().then(function (blob) {
          if (source.close) source.close();
          var base = (file.name || "photo").replace(/\.[^.]*$/, "");
          return { blob: blob, name: base + ".jpg", shrunk: true, failed: false };
        });
      },
      function () {
        // The browser cannot read it (HEIC on some phones, not an image): the server decides.
        return { blob: file, name: file.name, shrunk: false, failed: true };
      }
    );
  }

  function showThumbs(items) {
    thumbs.textContent = "";
    items.forEach(function (item, index) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "tip-thumb-" + index);
      if (!item.failed) {
        var img = document.createElement("img");
        img.alt = "";
        img.src = URL.createObjectURL(item.blob);
        li.appendChild(img);
      }
      if (item.failed || item.shrunk) {
        var caption = document.createElement("span");
        caption.className = item.failed ? "tip-thumb-bad" : "tip-thumb-shrunk";
        caption.textContent = item.failed ? text.textUnreadable : "✓ " + text.textShrunk;
        li.appendChild(caption);
      }
      thumbs.appendChild(li);
    });
  }

  photos.addEventListener("change", function () {
    errorBox.hidden = true;
    thumbs.textContent = "";
    var files = Array.prototype.slice.call(photos.files || []);
    if (files.length > max) {
      photos.value = "";
      note.textContent = text.textTooMany;
      prepared = Promise.resolve([]);
      return;
    }
    note.textContent = files.length ? text.textPreparing : "";
    var mine = Promise.all(files.map(prepare));
    prepared = mine;
    mine.then(function (items) {
      if (prepared !== mine) return; // another choice was made meanwhile
      note.textContent = items.length ? "✓ " + items.length : "";
      showThumbs(items);
    });
  });

  function setSending(on) {
    sending = on;
    button.disabled = on;
    photos.disabled = on;
    if (on) {
      errorBox.hidden = true;
      progress.hidden = false;
      bar.value = 0;
    }
  }

  function fail(message) {
    setSending(false);
    progress.hidden = true;
    errorBox.textContent = message || text.textFailed;
    errorBox.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    if (!window.FormData || !window.XMLHttpRequest || !window.Promise) return; // the plain form post
    event.preventDefault();
    if (sending) return;
    setSending(true);
    progressText.textContent = text.textPreparing;
    prepared.then(function (items) {
      var data = new FormData(form);
      data.delete("photos");
      items.forEach(function (item) {
        data.append("photos", item.blob, item.name);
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.min(100, Math.round((e.loaded * 100) / e.total));
        bar.value = percent;
        progressText.textContent = text.textSending + " " + percent + " %";
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (ignored) {
          body = null;
        }
        if (xhr.status === 201 && body && body.redirect) {
          bar.value = 100;
          progressText.textContent = text.textSent;
          window.location.assign(body.redirect);
          return;
        }
        fail(body && body.message);
      });
      xhr.addEventListener("error", function () {
        fail(null);
      });
      progressText.textContent = text.textSending + " 0 %";
      xhr.send(data);
    });
  });
})();
