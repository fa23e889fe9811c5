// MyHibachi web chat widget: plain JavaScript, no build step. Talks to /ws/chat/ (see messaging/consumers.py).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) return;
  var log = root.querySelector("[data-chat-log]");
  var form = root.querySelector("[data-chat-form]");
  var input = form.querySelector("textarea");
  var typing = root.querySelector("[data-chat-typing]");
  var statusEl = root.querySelector("[data-chat-status]");
  var socket = null, retryDelay = 500, shown = {}, pending = {}, outbox = [];
  var AUTHORS = { customer: "You", ai: "MyHibachi assistant", staff: "MyHibachi team" };

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function setStatus(text) { statusEl.textContent = text; }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function thumbs(li, message) {
    var box = document.createElement("div");
    box.className = "chat-thumbs";
    [["thumbs_up", "Helpful", "This answer helped"], ["thumbs_down", "Not helpful", "This answer did not help"]].forEach(function (spec) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = spec[1];
      b.title = spec[2];
      b.dataset.kind = spec[0];
      b.setAttribute("aria-pressed", message.feedback === spec[0] ? "true" : "false");
      b.addEventListener("click", function () {
        send({ type: "feedback", message_id: message.id, kind: spec[0] });
      });
      box.appendChild(b);
    });
    li.appendChild(box);
  }

  function render(message) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    var li = document.createElement("li");
    li.className = "chat-msg " + message.author;
    li.dataset.messageId = message.id;
    var who = document.createElement("span");
    who.className = "chat-author";
    who.textContent = AUTHORS[message.author] || message.author;
    var text = document.createElement("span");
    text.className = "chat-text";
    text.textContent = message.text;
    li.appendChild(who);
    li.appendChild(text);
    if (message.author === "ai") thumbs(li, message);
    log.appendChild(li);
    scroll();
  }

  function renderPending(clientId, text) {
    var li = document.createElement("li");
    li.className = "chat-msg customer pending";
    li.dataset.clientId = clientId;
    var who = document.createElement("span");
    who.className = "chat-author";
    who.textContent = AUTHORS.customer;
    var span = document.createElement("span");
    span.className = "chat-text";
    span.textContent = text;
    li.appendChild(who);
    li.appendChild(span);
    log.appendChild(li);
    scroll();
    return li;
  }

  function showError(text) {
    var li = document.createElement("li");
    li.className = "chat-error";
    li.textContent = text;
    log.appendChild(li);
    scroll();
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(payload));
      return true;
    }
    return false;
  }

  function onEvent(data) {
    if (data.type === "history") {
      data.messages.forEach(render);
      // Messages typed while offline (or not acknowledged before a drop) are sent again; the server stores each
      // client_id once, so nothing is doubled.
      Object.keys(pending).forEach(function (id) { send({ type: "message", text: pending[id].text, client_id: id }); });
    } else if (data.type === "ack") {
      var p = pending[data.client_id];
      if (p) {
        p.li.classList.remove("pending");
        p.li.dataset.messageId = data.message_id;
        shown[data.message_id] = true;
        delete pending[data.client_id];
      }
    } else if (data.type === "message") {
      render(data.message);
    } else if (data.type === "typing") {
      typing.hidden = !data.on;
      if (data.on) scroll();
    } else if (data.type === "feedback") {
      var li = log.querySelector('[data-message-id="' + data.message_id + '"]');
      if (li) li.querySelectorAll(".chat-thumbs button").forEach(function (b) {
        b.setAttribute("aria-pressed", b.dataset.kind === data.kind ? "true" : "false");
      });
    } else if (data.type === "error") {
      typing.hidden = true;
      showError(data.error);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    setStatus("connecting…");
    socket.onopen = function () { retryDelay = 500; setStatus("online"); root.dataset.state = "open"; };
    socket.onmessage = function (e) { onEvent(JSON.parse(e.data)); };
    socket.onclose = function (e) {
      root.dataset.state = "closed";
      typing.hidden = true;
      if (e.code === 4401) { setStatus("reload the page to chat"); return; }
      if (e.code === 4429) { setStatus("too many connections; retrying in a minute"); setTimeout(connect, 60000); return; }
      setStatus("reconnecting…");
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    var id = uuid();
    pending[id] = { text: text, li: renderPending(id, text) };
    send({ type: "message", text: text, client_id: id });
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  document.querySelectorAll("[data-chat-open]").forEach(function (b) {
    b.addEventListener("click", function () { root.hidden = false; input.focus(); scroll(); });
  });
  root.querySelector("[data-chat-close]").addEventListener("click", function () { root.hidden = true; });
  connect();
})();
