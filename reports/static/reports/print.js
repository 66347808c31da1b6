// The print button of the A4 forms and the survey links' select-on-click (CSP: no inline script).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
  var link = event.target.closest("[data-select-on-click]");
  if (link) { link.select(); }
});
