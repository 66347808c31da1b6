// Behaviour shared by all pages. No inline scripts (CSP): pages mark elements with data- attributes.
document.addEventListener("DOMContentLoaded", function () {
  // Confirm before destructive or irreversible actions.
  document.body.addEventListener("submit", function (event) {
    var msg = event.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { event.preventDefault(); }
  });
  // Auto-submit filter forms on change.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit(); });
  });
});
// htmx: send the CSRF token with every request.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
