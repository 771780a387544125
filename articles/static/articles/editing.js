// The article form: autosave every few seconds, restore an autosaved copy,
// who else has the article open and who holds its lock (articles/editorial/
// editing.py). No inline script: the page gives its data as attributes.
// The admin loads this in <head>: wait for the form.
function newsroomEditing() {
  "use strict";
  var box = document.getElementById("newsroom-editing");
  var form = document.getElementById("article_form");
  if (!box || !form) return;
  var urls = JSON.parse(box.dataset.urls || "{}");
  var saved = JSON.parse(box.dataset.saved || "{}");
  var FIELDS = ["title", "slug", "dek", "body", "dateline"];
  var AUTOSAVE_MS = 5000, PRESENCE_MS = 8000;
  var stateLine = document.getElementById("newsroom-autosave-state");

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function post(url, data) {
    var body = new FormData();
    Object.keys(data).forEach(function (key) { body.append(key, data[key]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf()}
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }
  function typed() {
    var data = {};
    FIELDS.forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.disabled) data[name] = field.value;
    });
    // The version this was typed on (editorial/editing.py: text_fields).
    if (form.elements.edit_token) data.edit_token = form.elements.edit_token.value;
    return data;
  }

  // --- autosave ---
  var last = JSON.stringify(typed());
  var restore = document.getElementById("newsroom-restore");
  // While a copy is offered, typing must not overwrite it on the server
  // before the editor restores or discards it.
  var pending = Boolean(restore);
  function autosave() {
    var now = typed(), text = JSON.stringify(now);
    if (pending || form.dataset.submitting || text === last) return Promise.resolve();
    return post(urls.autosave, now).then(function (answer) {
      last = text;
      var time = new Date(answer.saved_at).toLocaleTimeString();
      stateLine.textContent = fill(box.dataset.msgSaved, {time: time});
    }).catch(function () {
      stateLine.textContent = box.dataset.msgFailed;
    });
  }
  setInterval(autosave, AUTOSAVE_MS);
  // A save the server refuses keeps the text too (forms.py); this covers the
  // seconds since the last autosave when the tab closes.
  window.addEventListener("pagehide", function () {
    var now = typed();
    if (pending || JSON.stringify(now) === last || form.dataset.submitting) return;
    var body = new FormData();
    Object.keys(now).forEach(function (key) { body.append(key, now[key]); });
    body.append("csrfmiddlewaretoken", csrf());
    navigator.sendBeacon(urls.autosave, body);
  });
  form.addEventListener("submit", function () { form.dataset.submitting = "1"; });

  // --- restore ---
  if (restore) {
    restore.querySelector(".restore-yes").addEventListener("click", function () {
      Object.keys(saved).forEach(function (name) {
        var field = form.elements[name];
        if (!field) return;
        field.value = saved[name];
        if (name === "edit_token") return;  // hidden: checked on save
        field.dispatchEvent(new Event("input", {bubbles: true}));
        field.dispatchEvent(new Event("change", {bubbles: true}));
      });
      restore.hidden = true;
      pending = false;
    });
    restore.querySelector(".restore-no").addEventListener("click", function () {
      post(urls.discard, {}).then(function () {
        restore.hidden = true;
        pending = false;
      });
    });
  }

  // --- presence and the lock ---
  if (!urls.presence) return;
  var banner = document.getElementById("newsroom-presence");
  var text = banner.querySelector(".presence-text");
  var take = banner.querySelector(".presence-take");
  function show(state) {
    var message = "";
    if (state.taken_by) {
      message = fill(box.dataset.msgTaken, {name: state.taken_by});
      banner.classList.add("newsroom-warning");
    } else if (state.holder && !state.mine) {
      message = fill(box.dataset.msgHolder, {name: state.holder});
    } else if (state.others.length) {
      message = fill(box.dataset.msgOthers, {names: state.others.join("、")});
      banner.classList.remove("newsroom-warning");
    }
    if (!state.mine && !state.taken_by) banner.classList.remove("newsroom-warning");
    banner.dataset.holder = state.holder || "";
    banner.dataset.mine = state.mine ? "1" : "";
    text.textContent = message;
    take.hidden = state.mine;
    banner.hidden = !message;
  }
  function beat(extra) {
    return post(urls.presence, extra || {}).then(show).catch(function () {});
  }
  take.addEventListener("click", function () { beat({take: "1"}); });
  beat();
  setInterval(beat, PRESENCE_MS);
  // Leaving (a save included: a form shown again takes the lock back).
  window.addEventListener("pagehide", function () {
    var body = new FormData();
    body.append("leave", "1");
    body.append("csrfmiddlewaretoken", csrf());
    navigator.sendBeacon(urls.presence, body);
  });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", newsroomEditing);
} else {
  newsroomEditing();
}
