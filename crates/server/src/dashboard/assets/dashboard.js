// The dashboard's only script (served from /assets, never inline): switches a diff between
// the unified and the side-by-side layout and remembers the choice. Without it both layouts
// are shown, one after the other.
(function () {
  "use strict";
  var KEY = "mcpo-diff-view";
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function store(view) {
    try { window.localStorage.setItem(KEY, view); } catch (e) { /* private mode: not remembered */ }
  }
  function apply(diff, view) {
    diff.setAttribute("data-view", view);
    diff.querySelectorAll(".diff-toggle button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === view));
    });
  }
  function start() {
    var narrow = window.matchMedia("(max-width: 700px)").matches;
    var initial = stored() || (narrow ? "unified" : "split");
    document.querySelectorAll("[data-diff]").forEach(function (diff) {
      var toggle = diff.querySelector(".diff-toggle");
      if (!toggle) { return; }
      toggle.hidden = false;
      apply(diff, initial);
      toggle.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-view]");
        if (!button) { return; }
        var view = button.getAttribute("data-view");
        store(view);
        document.querySelectorAll("[data-diff]").forEach(function (d) { apply(d, view); });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
