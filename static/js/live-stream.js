/* The page side of GET /api/v1/live: an EventSource that keeps coming back.
   FubiLive.connect({events: [...], onEvent(type, data, id), onState(state)}) — state is "live" (open),
   "lost" (dropped: the browser reconnects by itself with its Last-Event-ID) or "paused" (the server
   refused, e.g. 503 while Redis is down: we reconnect after a pause, passing the last id we saw). */
(function () {
  "use strict";

  function connect(options) {
    var lastId = null;
    var source = null;
    var timer = null;
    var names = options.events || ["inbox", "offer", "case", "sos", "position", "broadcast", "request"];

    function open() {
      timer = null;
      var url = "/api/v1/live" + (lastId ? "?last_event_id=" + encodeURIComponent(lastId) : "");
      source = new EventSource(url);
      source.onopen = function () { options.onState("live"); };
      source.onerror = function () {
        if (source.readyState === EventSource.CLOSED) {
          options.onState("paused");
          if (!timer) { timer = setTimeout(open, options.retryMs || 3000); }
        } else {
          options.onState("lost");
        }
      };
      names.forEach(function (name) {
        source.addEventListener(name, function (event) {
          if (event.lastEventId) { lastId = event.lastEventId; }
          var data = null;
          try { data = JSON.parse(event.data); } catch (e) { return; }
          options.onEvent(name, data, event.lastEventId);
        });
      });
    }

    open();
    return { close: function () { if (source) { source.close(); } if (timer) { clearTimeout(timer); } } };
  }

  window.FubiLive = { connect: connect };
})();
