/* Every page: register the service worker (/sw.js, the whole site's scope) once the page has loaded. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* an old browser: no offline, no push */ });
  });
})();
