// The live office-hour room: chat, who is here, the raise-hand queue, host controls.
// The page is served with what was said so far and forms that post without JavaScript;
// this script joins the room over Socket.IO (namespace /live) and keeps the page current.
// After a network drop Socket.IO reconnects by itself; the room is joined again with the
// last message id seen (since_id), and messages are kept by id, so none shows twice.
(function () {
  "use strict";
  var root = document.getElementById("live-room");
  if (!root || root.dataset.status !== "live" || typeof window.io !== "function") return;

  var roomId = Number(root.dataset.officeHourId);
  var me = Number(root.dataset.me);
  var host = root.dataset.host === "1";
  var log = document.getElementById("chat-log");
  var scroller = document.getElementById("chat-scroll");
  var chatForm = document.getElementById("chat-form");
  var handForm = document.getElementById("hand-form");
  var status = document.getElementById("connection");
  var errorBox = document.getElementById("room-error");
  // Messages whose broadcast may still be overtaken by a lower id (two senders committing
  // at once) are not trusted as the resume point until they are this old.
  var SETTLE_MS = 10000;
  var seen = {};   // message id -> time it arrived here
  var joined = false;
  var over = false;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function say(text) { if (status) status.textContent = text; }

  function showError(text) {
    errorBox.replaceChildren(el("p", {}, text));
    errorBox.hidden = !text;
  }

  var ERRORS = {
    invalid: "That was not accepted: check the text (at most 2,000 characters).",
    not_found: "This session is not available to you.",
    not_live: "This session is not live.",
    forbidden: "You cannot do that here.",
    rate_limited: "That is a lot in a short time: wait a little, then send it again (what you typed is kept).",
    unauthorized: "You are signed out. Sign in again to rejoin.",
  };

  function problem(ack) {
    return ERRORS[ack && ack.error] || "Something went wrong. Try again.";
  }

  // Chat ----------------------------------------------------------------------------------

  function clock(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toISOString().slice(11, 16);
  }

  function deleteButton(id) {
    var b = el("button", { type: "button", class: "link-button chat-delete" }, "Delete");
    b.appendChild(el("span", { class: "visually-hidden" }, " this message"));
    b.addEventListener("click", function () {
      ask("delete_message", { office_hour_id: roomId, message_id: id });
    });
    return b;
  }

  function messageItem(m) {
    var li = el("li", { class: "chat-message", id: "message-" + m.id, "data-id": String(m.id) });
    var meta = el("p", { class: "chat-meta" });
    meta.appendChild(nameOf(m.author, el("span", { class: "chat-author" })));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("time", { datetime: m.created_at }, clock(m.created_at)));
    li.appendChild(meta);
    var body = el("div", { class: "prose chat-body" });
    body.innerHTML = m.body_html; // sanitized by the server when it was written
    li.appendChild(body);
    if (host || (m.author && m.author.id === me)) meta.appendChild(deleteButton(m.id));
    return li;
  }

  function addMessage(m) {
    if (m.office_hour_id !== roomId || seen[m.id]) return;
    seen[m.id] = Date.now();
    var item = messageItem(m);
    // Kept in id order: a broadcast may overtake one sent a moment earlier.
    var after = null;
    Array.prototype.some.call(log.children, function (li) {
      if (Number(li.dataset.id) > m.id) { after = li; return true; }
      return false;
    });
    var atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    log.insertBefore(item, after);
    document.getElementById("chat-empty").hidden = true;
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  function resumeFrom(droppedAt) {
    // The newest id that arrived well before the drop; messages after it are asked again
    // and the ones already here are skipped by id.
    var ids = Object.keys(seen).map(Number);
    if (!ids.length) return null;
    var settled = ids.filter(function (id) { return seen[id] <= droppedAt - SETTLE_MS; });
    return settled.length ? Math.max.apply(null, settled) : Math.min.apply(null, ids) - 1;
  }

  // Server-rendered messages count as seen at load.
  Array.prototype.forEach.call(log.children, function (li) {
    var id = Number(li.dataset.id);
    seen[id] = Date.now() - SETTLE_MS;
    var author = Number(li.dataset.author);
    if (host || author === me) li.querySelector(".chat-meta").appendChild(deleteButton(id));
  });
  scroller.scrollTop = scroller.scrollHeight;

  // People and the queue ----------------------------------------------------------------------

  // Whose name another active person shares, as presence tells it (kept after they leave):
  // their messages and raised hands carry the @handle too, as on the server's pages.
  var namesakes = {};

  function nameOf(person, into) {
    into.appendChild(document.createTextNode(person ? person.name : "Someone"));
    if (person && namesakes[person.id]) {
      into.appendChild(document.createTextNode(" "));
      into.appendChild(el("span", { class: "handle" }, "@" + person.handle));
    }
    return into;
  }

  function showPeople(people) {
    var list = document.getElementById("people");
    list.replaceChildren();
    people.forEach(function (p) { namesakes[p.id] = p.namesake; });
    people.forEach(function (p) {
      // The @handle beside a name another active person shares: which Ann is here.
      var label = p.namesake ? p.name + " @" + p.handle : p.name;
      var li = nameOf(p, el("li", { "data-id": String(p.id) }));
      if (host && p.id !== me) {
        var b = el("button", { type: "button", class: "link-button" }, "Remove");
        b.appendChild(el("span", { class: "visually-hidden" }, " " + label));
        b.addEventListener("click", function () {
          if (window.confirm("Remove " + label + " from this session?")) {
            ask("remove_participant", { office_hour_id: roomId, user_id: p.id });
          }
        });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(b);
      }
      list.appendChild(li);
    });
    document.getElementById("people-count").textContent = String(people.length);
  }

  function hostButton(step, label, q, n) {
    var b = el("button", { type: "button", class: "button small" + (step === "resolve" ? " secondary" : "") }, label);
    b.appendChild(el("span", { class: "visually-hidden" }, " question " + n));
    b.addEventListener("click", function () {
      ask(step + "_question", { office_hour_id: roomId, question_id: q.id });
    });
    return b;
  }

  function showQueue(queue) {
    var list = document.getElementById("queue-list");
    list.replaceChildren();
    var place = 0;
    var mine = null;
    queue.forEach(function (q, i) {
      if (q.status === "waiting") place += 1;
      if (mine === null && q.status === "waiting" && q.author && q.author.id === me) mine = place;
      var li = el("li", { class: "queue-item" + (q.status === "answering" ? " is-answering" : ""), "data-id": String(q.id) });
      li.appendChild(el("p", { class: "queue-question" }, q.question));
      var meta = nameOf(q.author, el("p", { class: "meta" }));
      meta.appendChild(document.createTextNode(" · " + (q.status === "answering" ? "being answered" : "waiting")));
      li.appendChild(meta);
      if (host) {
        var actions = el("div", { class: "actions" });
        if (q.status === "waiting") actions.appendChild(hostButton("take", "Take", q, i + 1));
        actions.appendChild(hostButton("resolve", "Resolve", q, i + 1));
        li.appendChild(actions);
      }
      list.appendChild(li);
    });
    document.getElementById("queue-empty").hidden = queue.length > 0;
    var answering = queue.some(function (q) { return q.status === "answering" && q.author && q.author.id === me; });
    document.getElementById("queue-position").textContent = answering
      ? "The host is answering your question."
      : mine ? "You are number " + mine + " in the queue." : "";
  }

  // The connection --------------------------------------------------------------------------

  var socket = window.io("/live", { reconnectionDelayMax: 10000 });
  var droppedAt = null;

  function ask(event, data, done) {
    socket.timeout(15000).emit(event, data, function (err, ack) {
      if (err) { showError("No answer from the server. Check your connection and try again."); }
      else if (!ack || !ack.ok) { showError(problem(ack)); }
      else { showError(""); }
      if (done) done(err ? null : ack);
    });
  }

  function join() {
    var data = { office_hour_id: roomId };
    var since = droppedAt === null ? resumeFrom(Date.now() + SETTLE_MS) : resumeFrom(droppedAt);
    if (since !== null) data.since_id = Math.max(0, since);
    say("Joining…");
    ask("join", data, function (ack) {
      if (!ack || !ack.ok) { say(ack && ack.error === "not_live" ? "This session is not live." : "Not connected."); return; }
      joined = true;
      droppedAt = null;
      host = ack.host;
      showPeople(ack.participants);
      ack.messages.forEach(addMessage);
      showQueue(ack.queue);
      setForms(true);
      say("Connected: messages appear as they are sent.");
    });
  }

  function setForms(on) {
    [chatForm, handForm].forEach(function (form) {
      if (!form) return;
      Array.prototype.forEach.call(form.elements, function (f) { f.disabled = !on; });
    });
  }

  socket.on("connect", function () { if (!over) join(); });
  socket.on("disconnect", function (reason) {
    if (joined) droppedAt = Date.now();
    joined = false;
    if (over) return;
    if (reason === "io server disconnect") {
      say("The server closed the connection. Reload the page to rejoin.");
      setForms(false);
    } else {
      say("Connection lost. Reconnecting…");
    }
  });
  socket.on("connect_error", function () { if (!over) say("Cannot reach the server. Retrying…"); });

  socket.on("chat", addMessage);
  socket.on("message_deleted", function (e) {
    if (e.office_hour_id !== roomId) return;
    var li = document.getElementById("message-" + e.message_id);
    if (li) li.remove();
    document.getElementById("chat-empty").hidden = log.children.length > 0;
  });
  socket.on("presence", function (e) { if (e.office_hour_id === roomId) showPeople(e.participants); });
  socket.on("queue", function (e) { if (e.office_hour_id === roomId) showQueue(e.queue); });
  socket.on("removed", function (e) {
    if (e.office_hour_id !== roomId) return;
    finish("The host removed you from this session.");
  });
  socket.on("ended", function (e) {
    if (e.office_hour_id !== roomId) return;
    finish("The session has ended. Everything said is kept in the transcript.");
  });

  function finish(text) {
    over = true;
    setForms(false);
    say(text);
    var badge = document.getElementById("room-status");
    if (badge) badge.textContent = "Ended";
    var endForm = document.getElementById("end-form");
    if (endForm) endForm.hidden = true;
    socket.disconnect();
  }

  // Forms: sent over the socket; without a connection they post as they would without JS.

  function sendOnSocket(form, event, fieldName, extra) {
    form.addEventListener("submit", function (evt) {
      if (!joined) return; // falls back to posting the form
      evt.preventDefault();
      var box = form.elements[fieldName];
      var text = box.value;
      if (!text.trim()) { box.focus(); return; }
      var data = { office_hour_id: roomId };
      data[fieldName] = text;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      ask(event, data, function (ack) {
        button.disabled = false;
        if (ack && ack.ok) {
          box.value = "";
          if (extra) extra(ack);
        }
        // Back to the box, unless the person has moved on meanwhile (an answer can take a
        // while): what they type elsewhere must stay where they type it.
        var now = document.activeElement;
        if (!now || now === document.body || form.contains(now)) box.focus();
      });
    });
  }

  if (chatForm) {
    sendOnSocket(chatForm, "chat", "body", function (ack) { addMessage(ack.message); });
    chatForm.elements.body.addEventListener("keydown", function (evt) {
      if (evt.key === "Enter" && !evt.shiftKey && !evt.isComposing) {
        evt.preventDefault();
        chatForm.requestSubmit();
      }
    });
  }
  if (handForm) sendOnSocket(handForm, "raise_hand", "question");

  // A host's end button goes over the socket too, so the room hears it at once.
  var endForm = document.getElementById("end-form");
  if (endForm) {
    endForm.addEventListener("submit", function (evt) {
      if (!joined) return;
      evt.preventDefault();
      if (!window.confirm("End the session for everyone?")) return;
      ask("end", { office_hour_id: roomId });
    });
  }
  say("Connecting…");
})();
