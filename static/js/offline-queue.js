/* A small queue in IndexedDB for requests made without signal (the on-site page's check-ins): kept on
   the phone across reloads, sent in order when it is back online. window.FubiQueue:
   add(item) → Promise, all() → Promise<[{id, ...item}]> oldest first, remove(id) → Promise. */
(function () {
  "use strict";
  var DB = "fubi-offline";
  var STORE = "checkins";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result.value); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function add(item) {
    return run("readwrite", function (store) { store.add(item); return {}; });
  }

  function all() {
    return run("readonly", function (store) {
      var out = { value: [] };
      store.openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (cursor) { out.value.push(cursor.value); cursor.continue(); }
      };
      return out;
    });
  }

  function remove(id) {
    return run("readwrite", function (store) { store.delete(id); return {}; });
  }

  window.FubiQueue = { add: add, all: all, remove: remove };
})();
