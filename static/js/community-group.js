/* /groups/<id>/: the group's posts read from the API (pinned first, newest next), a post with
   photos and @officer sent as multipart, replies, reports; the page listens to the live stream
   (/api/v1/live, `request` and `broadcast` events of this group) and reads the posts again, or
   refreshes every 30 s when the stream is unavailable. Every string goes in through textContent. */
(function () {
  "use strict";
  var root = document.getElementById("cg-group");
  if (!root) { return; }
  var msg = root.dataset;
  var groupId = root.dataset.group;
  var list = document.getElementById("cg-posts");
  var statusLine = root.querySelector(".cg-status");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function when(iso) {
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function api(path, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ "Accept": "application/json", "X-CSRFToken": csrfToken() }, options.headers || {});
    return fetch("/api/v1" + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  function requestBadge(request) {
    var box = el("p", "cg-request-line");
    box.dataset.testid = "cg-request";
    box.dataset.status = request.status;
    var badge = el("span", "badge " + (request.status === "resolved" ? "ok" : request.status === "open" ? "bad" : ""),
      msg.msgRequest + " · " + (msg["msg" + request.status.charAt(0).toUpperCase() + request.status.slice(1)] || request.status));
    box.appendChild(badge);
    var who = request.assignee ? request.assignee.display_name : msg.msgDutyDesk;
    box.appendChild(el("span", "muted", " " + who + " " + msg.msgHasIt + " · " + msg.msgAnswerBy + " " + when(request.respond_by)));
    return box;
  }

  function replyNode(reply) {
    var p = el("p", "cg-reply" + (reply.by_officer ? " cg-by-officer" : ""));
    p.dataset.testid = "cg-reply";
    var name = el("strong", null, reply.author.display_name);
    p.appendChild(name);
    if (reply.by_officer) { p.appendChild(el("span", "badge ok", msg.msgOfficer)); }
    p.appendChild(el("span", null, " " + reply.text));
    return p;
  }

  function replyForm(post) {
    var form = el("form", "cg-reply-form");
    var input = el("input");
    input.name = "text"; input.maxLength = 2000; input.required = true; input.placeholder = msg.msgReply;
    input.dataset.testid = "cg-reply-text";
    var button = el("button", "button", msg.msgReply);
    button.type = "submit";
    button.dataset.testid = "cg-reply-send";
    form.appendChild(input); form.appendChild(button);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      api("/posts/" + post.id + "/replies", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: input.value }) }).then(function (result) {
        if (result.ok) { input.value = ""; load(); } else { button.textContent = msg.msgFailed + " " + (result.body.message || result.status); }
      });
    });
    return form;
  }

  function postNode(post) {
    var card = el("article", "card cg-post" + (post.pinned ? " cg-pinned" : ""));
    card.id = "post-" + post.id;
    card.dataset.testid = post.pinned ? "cg-pinned" : "cg-post";
    var head = el("p", "cg-post-head");
    if (post.pinned) { head.appendChild(el("span", "badge bad", msg.msgPinned)); }
    head.appendChild(el("strong", null, " " + post.author.display_name + " "));
    head.appendChild(el("span", "muted", when(post.created_at)));
    card.appendChild(head);
    card.appendChild(el("p", "cg-text", post.text));
    post.photos.forEach(function (photo) {
      var img = el("img", "cg-photo"); img.src = photo.url; img.alt = ""; img.loading = "lazy";
      img.dataset.testid = "cg-photo";
      card.appendChild(img);
    });
    if (post.request) { card.appendChild(requestBadge(post.request)); }
    post.replies.forEach(function (reply) { card.appendChild(replyNode(reply)); });
    card.appendChild(replyForm(post));
    var report = el("button", "link-button cg-report", msg.msgReport);
    report.type = "button";
    report.addEventListener("click", function () {
      api("/posts/" + post.id + "/report", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
        .then(function (result) { if (result.ok) { report.textContent = msg.msgReported; report.disabled = true; } });
    });
    card.appendChild(report);
    return card;
  }

  function load() {
    return api("/groups/" + groupId + "/posts?limit=50").then(function (result) {
      if (!result.ok) { return; }
      var nodes = result.body.items.map(postNode);
      if (!nodes.length) { nodes = [el("p", "card muted", msg.msgEmpty)]; }
      list.replaceChildren.apply(list, nodes);
    });
  }

  var compose = document.getElementById("cg-compose");
  if (compose) {
    var text = compose.querySelector("textarea");
    var result = compose.querySelector(".cg-result");
    Array.prototype.forEach.call(compose.querySelectorAll(".cg-at"), function (button) {
      button.addEventListener("click", function () { text.value = "@" + button.dataset.name + " " + text.value; text.focus(); });
    });
    compose.addEventListener("submit", function (event) {
      event.preventDefault();
      var send = compose.querySelector("button[type=submit]");
      send.disabled = true;
      api("/groups/" + groupId + "/posts", { method: "POST", body: new FormData(compose) }).then(function (answer) {
        send.disabled = false;
        if (!answer.ok) { result.textContent = msg.msgFailed + " " + (answer.body.message || answer.status); return; }
        compose.reset();
        result.textContent = "";
        if (answer.body.request) {
          var r = answer.body.request;
          result.textContent = (r.assignee ? r.assignee.display_name : msg.msgDutyDesk) + " " + msg.msgHasIt + " · " + msg.msgAnswerBy + " " + when(r.respond_by);
        }
        load();
      });
    });
  }

  function ours(event) {
    try { return String(JSON.parse(event.data).group_id) === String(groupId); } catch (e) { return false; }
  }

  var polling = null;
  function poll() {
    if (polling) { return; }
    statusLine.textContent = msg.msgRefreshing;
    polling = window.setInterval(load, 30000);
  }

  if (window.EventSource) {
    var stream = new EventSource("/api/v1/live");
    stream.addEventListener("open", function () { statusLine.textContent = msg.msgLive; statusLine.dataset.live = "on"; });
    ["request", "broadcast"].forEach(function (name) {
      stream.addEventListener(name, function (event) { if (ours(event)) { load(); } });
    });
    stream.addEventListener("error", function () { if (stream.readyState === EventSource.CLOSED) { poll(); } });
  } else {
    poll();
  }
  load();
})();
