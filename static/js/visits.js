// Visit report form: keep a draft on the phone (localStorage) so that a dropped network or a
// closed tab never loses what was typed; no inline script (CSP), everything by data- attributes.
(function () {
  "use strict";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit" &&
        el.name !== "csrfmiddlewaretoken";
    });
  }

  function collect(form) {
    var data = {};
    draftFields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        data[el.name] = data[el.name] || [];
        if (el.checked) { data[el.name].push(el.value); }
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function hasText(data) {
    return Object.keys(data).some(function (k) {
      var v = data[k];
      return typeof v === "string" && v.trim() !== "" && !/^(\d{4}-\d{2}-\d{2}|\d+)$/.test(v);
    });
  }

  function restore(form, data) {
    draftFields(form).forEach(function (el) {
      if (!(el.name in data)) { return; }
      var v = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = Array.isArray(v) && v.indexOf(el.value) >= 0;
      } else if (typeof v === "string") {
        el.value = v;
      }
    });
  }

  function setupDraft(form) {
    var store = storage();
    if (!store) { return; }
    var key = form.getAttribute("data-draft-key");
    var notice = document.querySelector("[data-draft-notice]");
    var offline = document.querySelector("[data-offline-notice]");
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    // A form sent back by the server with errors already holds every field: it wins.
    if (saved && form.getAttribute("data-draft-bound") !== "1" && hasText(saved)) {
      restore(form, saved);
      if (notice) { notice.classList.remove("d-none"); }
    }
    var timer = null;
    function save() {
      try { store.setItem(key, JSON.stringify(collect(form))); } catch (e) { /* storage full: nothing to do */ }
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 300); });
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      save();
      // A form with offline drafts (offline.js) keeps it in IndexedDB and sends it later itself.
      if (navigator.onLine === false && !form.hasAttribute("data-offline-draft")) {
        event.preventDefault();
        if (offline) { offline.classList.remove("d-none"); offline.scrollIntoView(); }
      }
    });
    var discard = document.querySelector("[data-draft-discard]");
    if (discard) {
      discard.addEventListener("click", function () {
        store.removeItem(key);
        window.location.reload();
      });
    }
  }

  function showFileNames(input) {
    var target = document.getElementById(input.getAttribute("data-file-list"));
    if (!target) { return; }
    target.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join("、");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-draft-key]");
    if (form) { setupDraft(form); }
    // The report was saved: its draft is no longer needed.
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      var store = storage();
      if (store) { store.removeItem(el.getAttribute("data-clear-draft")); }
    });
    document.querySelectorAll("input[type=file][data-file-list]").forEach(function (input) {
      input.addEventListener("change", function () { showFileNames(input); });
    });
  });
})();
