// The CRM's service worker (issue 17), served at /sw.js with CRM_SW (its configuration) on top.
// - Static files of the phone pages are precached (vendored: no CDN).
// - Pages a salesperson opens are fetched from the network first; the last copy of each is
//   kept and shown when there is no network, marked so the page shows its 离线 banner.
// - Nothing else: POSTs, downloads, exports and the admin always go to the network. Offline
//   drafts live in IndexedDB and are sent by the pages (static/js/offline.js).
/* global CRM_SW */
"use strict";
var STATIC_CACHE = "crm-static-" + CRM_SW.version;
var PAGE_CACHE = "crm-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(CRM_SW.precache);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("crm-static-") === 0 && n !== STATIC_CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// The pages of a user are not left for the next one: the login page asks to forget them.
self.addEventListener("message", function (event) {
  if (event.data === "crm-forget-pages") { event.waitUntil(caches.delete(PAGE_CACHE)); }
});

function keptPage(url) {
  if (url.origin !== self.location.origin) { return false; }
  var path = url.pathname;
  if (CRM_SW.uncachedParts.some(function (part) { return path.indexOf(part) >= 0; })) { return false; }
  if (path === "/") { return true; }
  return CRM_SW.pagePrefixes.some(function (prefix) { return prefix !== "/" && path.indexOf(prefix) === 0; });
}

function markedCopy(response) {
  // The copy says it is a copy: offline.js shows the 离线 banner with the time it was made.
  return response.text().then(function (html) {
    var body = html.replace("<body ", "<body data-served-from-cache=\"1\" ");
    var headers = new Headers(response.headers);
    headers.delete("Content-Length");
    return new Response(body, { status: 200, headers: headers });
  });
}

function offlineAnswer() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>离线</title><body style='font-family:sans-serif;padding:1rem'><h1>离线 · Offline</h1>" +
    "<p>没有网络，这个页面也没有保存过副本。请联网后再打开。</p>" +
    "<p>No network, and no copy of this page was kept. Open it again when the network is back.</p>" +
    "<p><a href='/'>工作台</a> · <a href='/visits/'>我的拜访</a></p></body>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }

  if (url.pathname.indexOf(CRM_SW.staticUrl) === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request);
    }));
    return;
  }

  if (request.mode !== "navigate" || !keptPage(url)) { return; }
  event.respondWith(fetch(request).then(function (response) {
    // Keep only a real page of a logged-in user (a redirect to the login page is not one).
    if (response.ok && !response.redirected && response.type === "basic" &&
        (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
      var copy = response.clone();
      caches.open(PAGE_CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.match(request);
    }).then(function (hit) {
      return hit ? markedCopy(hit) : offlineAnswer();
    });
  }));
});
