// The record page: "add a stage" clones the last stage row (empty). Delegated, so it survives htmx swaps.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-add-stage]");
    if (!btn) { return; }
    var rows = btn.parentElement.querySelector(".stage-rows");
    var last = rows.querySelector(".stage-row:last-child");
    var copy = last.cloneNode(true);
    var n = rows.querySelectorAll(".stage-row").length + 1;
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.id = input.id.replace(/\d+$/, String(n));
    });
    copy.querySelectorAll("label").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/\d+$/, String(n));
    });
    rows.appendChild(copy);
    copy.querySelector("input").focus();
  });
})();
