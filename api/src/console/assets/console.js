// ward console: the address after a refused form; drafts of what was typed, kept in this
// tab until they are sent (through a conflict, a refusal or a session that ended); the
// cursor a saved reply is inserted at; exact times on hover in local time; the warning a
// minute before an unused session ends; single-key shortcuts on queues (j / k move, Enter
// opens the row's link, / jumps to the first filter), and the switch that turns them off
// (WCAG 2.1.4), kept in this browser. A shortcut never fires in a text field or with a
// modifier key, and the arrow keys are the browser's (they scroll). No third-party code;
// everything works without it.
(function () {
  "use strict";
  // A page answering a form shows its own address, not the form's: reload, back and a
  // bookmark then reach the page (the server also sends a form's address fetched as a page
  // there).
  var address = document.body.getAttribute("data-address");
  if (address && address.charAt(0) === "/" && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", address);
  }

  // Drafts. Every text a form would post is kept in this tab's sessionStorage as it is
  // typed, under the member and the page, and put back when the page comes again without
  // it: after a conflict or a refusal that did not echo it, or after signing in again. A
  // form sent stores which drafts it carried; the page after a success (its address says
  // `done=`) drops them. Signing out drops them all, as does another member's page in this
  // tab; none outlives 12 hours.
  var member = document.body.getAttribute("data-member") || "";
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  var DRAFT = "ward.draft:";
  var SENT = "ward.sent";
  var KEEP_MS = 12 * 60 * 60 * 1000;
  function draftKeys() {
    var keys = [];
    for (var i = 0; store && i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(DRAFT) === 0) { keys.push(key); }
    }
    return keys;
  }
  function read(key) {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }
  // Under the page and the form's own address: pages answering a form share their list's
  // address (a confirmation for one member, then for another), their forms never do.
  function keyOf(field) {
    var action = field.form ? field.form.getAttribute("action") || "" : "";
    return DRAFT + member + ":" + window.location.pathname + ">" + action + "#" + field.id;
  }
  if (store) {
    draftKeys().forEach(function (key) {
      var draft = read(key);
      // Another member signed in in this tab (a shared desk): what the last one typed goes.
      var theirs = member && key.indexOf(DRAFT + member + ":") !== 0;
      if (theirs || !draft || typeof draft.text !== "string" || !(Date.now() - draft.at < KEEP_MS)) { store.removeItem(key); }
    });
    var sent = read(SENT);
    store.removeItem(SENT);
    if (sent && /(^\?|&)done=/.test(window.location.search) && sent.keys) {
      sent.keys.forEach(function (key) { store.removeItem(key); });
    }
  }
  var fields = member && store ? Array.prototype.slice.call(
    document.querySelectorAll("form[method=post] textarea[id], form[method=post] input[type=text][id]")
  ) : [];
  // The version of the record a form edits, where it says (a draft is typed against it).
  function versionOf(field) {
    var version = field.form && field.form.querySelector("input[name=version]");
    return version ? version.value : "";
  }
  function keep(field) {
    try {
      store.setItem(keyOf(field), JSON.stringify({ text: field.value, at: Date.now(), version: versionOf(field) }));
    } catch (e) { /* full: not kept */ }
  }
  var restored = [];
  var outdated = [];
  fields.forEach(function (field) {
    var draft = read(keyOf(field));
    // A field the page filled in anew (a saved reply inserted) is newer than its draft.
    if (field.hasAttribute("data-caret")) {
      keep(field);
    } else if (draft && draft.text && field.value === field.defaultValue && field.value !== draft.text) {
      // A field that shows the record's own words, changed since the draft was typed: the
      // draft would undo that change if sent, so it is shown to compare, not put back.
      if (field.defaultValue !== "" && (draft.version || "") !== versionOf(field)) {
        outdated.push({ field: field, text: draft.text });
      } else {
        field.value = draft.text;
        restored.push(field);
      }
    }
    field.addEventListener("input", function () { keep(field); });
  });
  function announce(said, cleared) {
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "secondary";
    clear.textContent = "Clear it";
    clear.addEventListener("click", function () { cleared(); said.remove(); });
    said.appendChild(clear);
    var heading = document.querySelector("main h1");
    if (heading) { heading.insertAdjacentElement("afterend", said); }
  }
  if (restored.length) {
    var back = document.createElement("p");
    back.className = "notice";
    back.setAttribute("role", "status");
    back.textContent = "What you had typed here is back: it was not sent yet. ";
    announce(back, function () {
      restored.forEach(function (field) { field.value = field.defaultValue; store.removeItem(keyOf(field)); });
    });
  }
  if (outdated.length) {
    var earlier = document.createElement("div");
    earlier.className = "notice draft";
    earlier.setAttribute("role", "status");
    var why = document.createElement("p");
    why.textContent = "What you typed here was not sent, and the record has changed since you typed it. " +
      "The form shows the record as it is now; what you typed is below, to compare and copy.";
    earlier.appendChild(why);
    outdated.forEach(function (draft) {
      var text = document.createElement("pre");
      text.textContent = draft.text;
      earlier.appendChild(text);
    });
    announce(earlier, function () {
      outdated.forEach(function (draft) { store.removeItem(keyOf(draft.field)); });
    });
  }
  Array.prototype.slice.call(document.querySelectorAll("form[method=post]")).forEach(function (form) {
    form.addEventListener("submit", function () {
      if (!store) { return; }
      if (form.classList.contains("signout")) {
        draftKeys().forEach(function (key) { store.removeItem(key); });
        return;
      }
      var keys = fields.filter(function (f) { return f.form === form; }).map(keyOf);
      store.setItem(SENT, JSON.stringify({ keys: keys }));
    });
  });

  // The cursor a saved reply goes in at, counted in characters (the server counts them so),
  // once the person has been in the box; and where it stands after the insertion.
  var reply = document.getElementById("body");
  var cursor = document.getElementById("cursor");
  if (reply && cursor && reply.form) {
    reply.addEventListener("focus", function () { reply.setAttribute("data-touched", ""); });
    reply.form.addEventListener("submit", function () {
      cursor.value = reply.hasAttribute("data-touched")
        ? String(Array.from(reply.value.slice(0, reply.selectionStart)).length) : "";
    });
  }
  var caretIn = document.querySelector("textarea[data-caret]");
  if (caretIn) {
    var at = Array.from(caretIn.value).slice(0, Number(caretIn.getAttribute("data-caret")) || 0).join("").length;
    caretIn.focus();
    caretIn.setSelectionRange(at, at);
  }

  // The idle warning: a minute before an unused session ends, with a way to stay; once it
  // has ended, a way to sign in again and come back here (drafts stay in the tab).
  var idle = Number(document.body.getAttribute("data-idle")) || 0;
  var warning = document.getElementById("idle");
  if (warning && idle > 60) {
    var text = document.getElementById("idle-said");
    var stay = warning.querySelector("[data-stay]");
    var again = warning.querySelector("[data-sign-in]");
    var timers = [];
    var ended = function () {
      timers.forEach(function (t) { window.clearTimeout(t); });
      // Signed out: the patient data on the page goes from the screen of an unattended desk.
      var main = document.getElementById("main");
      if (main) { main.hidden = true; }
      text.textContent = text.getAttribute("data-ended");
      stay.hidden = true;
      again.href = "/signin?expired=1&next=" + encodeURIComponent(window.location.pathname + window.location.search);
      again.hidden = false;
      warning.hidden = false;
      again.focus();
    };
    var arm = function () {
      timers.forEach(function (t) { window.clearTimeout(t); });
      timers = [
        window.setTimeout(function () {
          text.textContent = text.getAttribute("data-ending");
          warning.hidden = false;
          stay.focus();
        }, (idle - 60) * 1000),
        window.setTimeout(ended, idle * 1000)
      ];
    };
    stay.addEventListener("click", function () {
      window.fetch("/session/alive", { credentials: "same-origin", redirect: "manual" }).then(function (answer) {
        if (answer.status === 204) { warning.hidden = true; arm(); } else { ended(); }
      }, ended);
    });
    arm();
  }

  // A relative time's exact moment on hover in the reader's own time zone (the page is
  // written in UTC, which is what it says without the script).
  Array.prototype.slice.call(document.querySelectorAll("time[datetime][title]")).forEach(function (time) {
    var at = new Date(time.getAttribute("datetime"));
    if (isNaN(at.getTime())) { return; }
    try {
      time.title = at.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) { /* an old browser: the UTC time stays */ }
  });

  var KEY = "ward.shortcuts";
  function enabled() {
    try { return window.localStorage.getItem(KEY) !== "off"; } catch (e) { return true; }
  }
  var toggles = Array.prototype.slice.call(document.querySelectorAll("[data-shortcuts-toggle]"));
  function label() {
    toggles.forEach(function (button) {
      button.hidden = false;
      button.textContent = enabled() ? "Turn keyboard shortcuts off" : "Turn keyboard shortcuts on";
      button.setAttribute("aria-pressed", enabled() ? "true" : "false");
    });
  }
  toggles.forEach(function (button) {
    button.addEventListener("click", function () {
      try { window.localStorage.setItem(KEY, enabled() ? "off" : "on"); } catch (e) { /* private mode: stays on */ }
      label();
    });
  });
  label();

  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"));
  var current = -1;
  function select(i) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); rows[current].removeAttribute("aria-selected"); }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("current");
    rows[current].setAttribute("aria-selected", "true");
    var link = rows[current].querySelector("a");
    if (link) { link.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (!enabled() || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName) || target.isContentEditable)) { return; }
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "/") {
      var filter = document.querySelector("form.filters select, form.filters input");
      if (filter) { filter.focus(); event.preventDefault(); }
    }
  });
})();
