// ward console: keyboard navigation of queues (j/k or arrows move, Enter opens, / finds the
// first filter). No third-party code; works without it.
(function () {
  "use strict";
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
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    if (event.key === "j" || event.key === "ArrowDown") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "ArrowUp") { select(current - 1); event.preventDefault(); }
    else if (event.key === "/") {
      var filter = document.querySelector("form.filters select, form.filters input");
      if (filter) { filter.focus(); event.preventDefault(); }
    }
  });
})();
