// Buttons of a form being sent are disabled until the answer comes (issue 13.4: a double tap
// sends one POST). The server keeps the form's one-time submission key anyway. No inline script (CSP).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") { return; }
    // After every other handler (a confirm() answered "cancel", an offline draft kept instead)
    // and after the browser has read the submitter's name and value.
    setTimeout(function () {
      if (event.defaultPrevented) { return; }
      form.setAttribute("data-sending", "1");
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  // Back to a page kept in the back/forward cache: its buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      form.removeAttribute("data-sending");
      form.querySelectorAll("[aria-busy=true]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
    });
  });
})();
