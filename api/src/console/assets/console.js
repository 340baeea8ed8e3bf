// ward console: the address after a refused form, single-key shortcuts on queues (j / k move, Enter opens the row's link,
// / jumps to the first filter), and the switch that turns them off (WCAG 2.1.4), kept in
// this browser. A shortcut never fires in a text field or with a modifier key, and the
// arrow keys are the browser's (they scroll). No third-party code; everything works
// without it.
(function () {
  "use strict";
  // A page answering a form shows its own address, not the form's: reload, back and a
  // bookmark then reach the page (the server also sends a form's address fetched as a page
  // there).
  var address = document.body.getAttribute("data-address");
  if (address && address.charAt(0) === "/" && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", address);
  }

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
