// Offline-safe pages and drafts (issue 17). No inline script (CSP): everything by data- attributes.
// - Registers the service worker (/sw.js), shows the 离线 banner with the time of the copy.
// - A form marked `data-offline-draft="title"` submitted without network is kept in IndexedDB
//   (fields and files, with its one-time submission key) and sent when the network returns; the
//   server stores it once (crm.submissions). What waits, what was sent and what was refused (with
//   the reason) is listed on every page; a refused draft opens again in its form.
(function () {
  "use strict";
  var DB_NAME = "crm-offline", STORE = "drafts", KEEP_SENT_MS = 3 * 24 * 3600 * 1000;
  var body = document.body;
  var S = {};
  var currentUser = "";

  function db() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function run(mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var tx = conn.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { conn.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { conn.close(); reject(tx.error); };
      });
    });
  }
  function allDrafts() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (r) { return r.user === currentUser; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }
  function getDraft(id) { return run("readonly", function (store) { return store.get(id); }); }
  function putDraft(rec) { return run("readwrite", function (store) { store.put(rec); }); }
  function deleteDraft(id) { return run("readwrite", function (store) { store["delete"](id); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function when(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  // --- the banner ---------------------------------------------------------------------------
  function showBanner() {
    var banner = document.querySelector("[data-offline-banner]");
    if (!banner) { return; }
    var copy = body.getAttribute("data-served-from-cache") === "1";
    var offline = navigator.onLine === false;
    banner.classList.toggle("d-none", !(copy || offline));
    banner.querySelector("[data-offline-copy]").classList.toggle("d-none", !copy);
    banner.querySelector("[data-offline-live]").classList.toggle("d-none", copy);
    banner.querySelector("[data-offline-copy-time]").textContent = body.getAttribute("data-rendered-at") || "";
  }

  // --- keeping a draft ------------------------------------------------------------------------
  function keep(form, submitter) {
    var data;
    try { data = submitter ? new FormData(form, submitter) : new FormData(form); } catch (e) { data = new FormData(form); }
    var fields = [], files = [], key = "";
    data.forEach(function (value, name) {
      if (typeof value === "string") {
        fields.push([name, value]);
        if (name === "submission_key") { key = value; }
      } else if (value && value.size > 0) {
        files.push({ name: name, blob: value, filename: value.name, type: value.type });
      }
    });
    var rec = {
      id: key || uuid(), user: currentUser, title: form.getAttribute("data-offline-draft") || S.untitled,
      action: form.action || window.location.href, page: window.location.pathname + window.location.search,
      fields: fields, files: files, draftKey: form.getAttribute("data-draft-key") || "",
      status: "waiting", reason: "", created: Date.now()
    };
    return putDraft(rec).then(function () { return rec; });
  }

  function reasonsFrom(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var texts = [];
    doc.querySelectorAll("main .alert-danger, main .invalid-feedback, main .errorlist li").forEach(function (n) {
      var t = n.textContent.replace(/\s+/g, " ").trim();
      if (t && texts.indexOf(t) < 0) { texts.push(t); }
    });
    return texts.join("；");
  }

  // --- sending --------------------------------------------------------------------------------
  function send(rec) {
    var data = new FormData();
    rec.fields.forEach(function (pair) {
      data.append(pair[0], pair[0] === "csrfmiddlewaretoken" && csrfToken() ? csrfToken() : pair[1]);
    });
    rec.files.forEach(function (f) { data.append(f.name, f.blob, f.filename); });
    rec.status = "sending";
    render();
    return fetch(rec.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var path = new URL(response.url).pathname;
      if (response.redirected && path.indexOf(S.loginUrl) === 0) {
        rec.status = "login";
        return putDraft(rec);
      }
      if (response.ok && response.redirected) {
        rec.status = "sent"; rec.result = response.url; rec.sentAt = Date.now(); rec.files = [];
        try { if (rec.draftKey) { window.localStorage.removeItem(rec.draftKey); } } catch (e) { /* no storage */ }
        return putDraft(rec);
      }
      return response.text().then(function (text) {
        rec.status = "refused";
        rec.reason = (response.ok ? reasonsFrom(text) : text.slice(0, 300)) || String(response.status);
        return putDraft(rec);
      });
    }, function () {
      rec.status = "waiting";  // still no network: try again later
      return putDraft(rec);
    });
  }

  var syncing = false;
  function syncAll() {
    if (syncing || navigator.onLine === false || !currentUser) { return Promise.resolve(); }
    syncing = true;
    return allDrafts().then(function (rows) {
      var due = rows.filter(function (r) { return r.status === "waiting" || r.status === "sending" || r.status === "login"; });
      return due.reduce(function (p, rec) { return p.then(function () { return send(rec); }); }, Promise.resolve());
    }).catch(function () { /* IndexedDB unavailable */ }).then(function () {
      syncing = false;
      return render();
    });
  }

  // --- the outbox -----------------------------------------------------------------------------
  function render() {
    var box = document.querySelector("[data-outbox]");
    if (!box || !currentUser) { return Promise.resolve(); }
    return allDrafts().then(function (rows) {
      var now = Date.now();
      rows = rows.filter(function (r) { return r.status !== "sent" || now - (r.sentAt || 0) < KEEP_SENT_MS; });
      box.textContent = "";
      box.classList.toggle("d-none", rows.length === 0);
      if (!rows.length) { return; }
      box.appendChild(el("strong", {}, S.outboxTitle));
      var list = el("ul", { "class": "list-unstyled mb-0 small" });
      rows.forEach(function (r) {
        var label = { waiting: S.waiting, sending: S.sending, sent: S.sent, refused: S.refused, login: S.login }[r.status] || r.status;
        var item = el("li", { "class": "mt-1", "data-draft-status": r.status, "data-testid": "draft-" + r.status });
        item.appendChild(el("span", {}, r.title + " · " + when(r.created) + " · "));
        item.appendChild(el("span", { "class": r.status === "refused" ? "text-danger fw-semibold" : "fw-semibold" }, label));
        if (r.status === "sent" && r.result) {
          item.appendChild(document.createTextNode(" "));
          item.appendChild(el("a", { href: r.result }, S.view));
        }
        if (r.status === "refused") {
          item.appendChild(el("div", { "class": "text-danger" }, r.reason));
          item.appendChild(el("a", { href: r.page + "#offline-draft=" + encodeURIComponent(r.id), "class": "me-2" }, S.open));
        }
        if (r.status !== "sent" && r.status !== "sending") {
          var drop = el("button", { type: "button", "class": "btn btn-link btn-sm p-0" }, S.discard);
          drop.addEventListener("click", function () {
            if (window.confirm(S.discardConfirm)) { deleteDraft(r.id).then(render); }
          });
          item.appendChild(drop);
        }
        list.appendChild(item);
      });
      box.appendChild(list);
    }).catch(function () { /* IndexedDB unavailable */ });
  }

  // --- a refused draft, opened again in its form ----------------------------------------------
  function restore(form, rec) {
    var values = {};
    rec.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.name === "csrfmiddlewaretoken" || !(input.name in values) || input.type === "file") { return; }
      var v = values[input.name];
      if (input.type === "checkbox" || input.type === "radio") { input.checked = v.indexOf(input.value) >= 0; }
      else if (input.multiple && input.options) {
        Array.prototype.forEach.call(input.options, function (o) { o.selected = v.indexOf(o.value) >= 0; });
      } else { input.value = v[0]; }
    });
    var byName = {};
    rec.files.forEach(function (f) { (byName[f.name] = byName[f.name] || []).push(f); });
    Object.keys(byName).forEach(function (name) {
      var input = form.querySelector("input[type=file][name='" + name + "']");
      if (!input || !window.DataTransfer) { return; }
      var dt = new DataTransfer();
      byName[name].forEach(function (f) { dt.items.add(new File([f.blob], f.filename, { type: f.type })); });
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var note = el("div", { "class": "alert alert-danger", role: "alert", "data-testid": "draft-refused" }, S.restored + " " + rec.reason);
    form.parentNode.insertBefore(note, form);
    form.setAttribute("data-restored-draft", rec.id);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var strings = document.querySelector("template[data-offline-strings]");
    if (strings) {
      Object.keys(strings.dataset).forEach(function (k) { S[k] = strings.dataset[k]; });
    }
    currentUser = body.getAttribute("data-user") || "";
    if ("serviceWorker" in navigator && (window.isSecureContext || location.hostname === "127.0.0.1")) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* not installable here */ });
      if (!currentUser && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("crm-forget-pages");  // logged out: forget the pages
      }
    }
    showBanner();
    window.addEventListener("online", function () { showBanner(); syncAll(); });
    window.addEventListener("offline", showBanner);

    // Capture phase: before the page's own handlers (the report's localStorage draft).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-offline-draft")) { return; }
      var restored = form.getAttribute("data-restored-draft");
      if (navigator.onLine !== false) {
        if (restored) { deleteDraft(restored); }  // sent again by hand, with its key
        return;
      }
      event.preventDefault();
      keep(form, event.submitter).then(function () {
        var note = document.querySelector("[data-draft-queued]");
        if (!note) {
          note = el("div", { "class": "alert alert-success", role: "status", "data-draft-queued": "1", "data-testid": "draft-queued" }, S.queued);
          form.parentNode.insertBefore(note, form);
        }
        note.scrollIntoView();
        return render();
      }).catch(function () { window.alert(S.queued); });
    }, true);

    var match = /^#offline-draft=(.+)$/.exec(window.location.hash);
    var form = document.querySelector("form[data-offline-draft]");
    if (match && form) {
      getDraft(decodeURIComponent(match[1])).then(function (rec) {
        if (rec && rec.user === currentUser) { restore(form, rec); }
      });
    }
    render().then(syncAll);
  });
})();
