// Similar answered questions, shown while a question's title is typed on a module page.
// Without this script the form's "Check for similar questions" button does the same.
(function () {
  "use strict";
  var box = document.getElementById("similar-questions");
  var title = document.getElementById("title");
  if (!box || !title || !window.fetch) return;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var timer = null;
  var asked = "";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function opener(thread) {
    // Opening one is recorded (a POST), then the server sends the reader to the thread.
    var form = el("form", { method: "post", action: box.dataset.opened, class: "similar-open" });
    form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: token }));
    form.appendChild(el("input", { type: "hidden", name: "thread_id", value: String(thread.id) }));
    form.appendChild(el("button", { type: "submit", class: "link-button" }, thread.title));
    return form;
  }

  function show(items) {
    box.replaceChildren();
    if (!items.length) return;
    box.appendChild(el("p", { class: "similar-head" }, "Answered already? These look alike:"));
    var list = el("ol", { class: "similar-list" });
    items.forEach(function (t) {
      var li = el("li");
      li.appendChild(opener(t));
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function lookUp() {
    var q = title.value.trim();
    if (q === asked) return;
    asked = q;
    if (q.length < 4) { show([]); return; }
    fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (body) { if (asked === q) show(body.items || []); })
      .catch(function () { /* a missed suggestion is no error: the reader may still post */ });
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 300);
  });
})();
