// 外勤签到 and 附近客户 (issue 17). The position is read once: when an on-site report is started
// (with the salesperson's consent) or when "use my position" is tapped; never tracked. No inline script (CSP).
(function () {
  "use strict";
  var CONSENT = "crm-checkin-consent";

  function store() { try { return window.localStorage; } catch (e) { return null; } }

  function locate(done, fail) {
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition(done, fail, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function setupNearby(button) {
    var box = document.querySelector("[data-geo-error]");
    button.addEventListener("click", function () {
      button.disabled = true;
      locate(function (pos) {
        var q = new URLSearchParams({ lat: pos.coords.latitude.toFixed(6), lng: pos.coords.longitude.toFixed(6) });
        window.location.search = q.toString();
      }, function () {
        button.disabled = false;
        if (box) { box.classList.remove("d-none"); box.querySelector("[data-geo-denied]").classList.remove("d-none"); }
      });
    });
  }

  function setupCheckin(card) {
    var form = card.closest("form");
    var status = card.querySelector("[data-checkin-status]");
    var button = card.querySelector("[data-checkin-now]");
    var remember = card.querySelector("[data-checkin-remember]");
    function field(name) { return form.querySelector("input[name=" + name + "]"); }
    function onsite() {
      var mode = form.querySelector("input[name=mode]:checked");
      return !mode || mode.value === "onsite";
    }
    function show(key) {
      card.querySelectorAll("[data-checkin-msg]").forEach(function (el) {
        el.classList.toggle("d-none", el.getAttribute("data-checkin-msg") !== key);
      });
    }
    function take() {
      if (field("checkin_latitude").value) { return; }  // once per report: when it was started
      show("locating");
      locate(function (pos) {
        field("checkin_latitude").value = pos.coords.latitude.toFixed(6);
        field("checkin_longitude").value = pos.coords.longitude.toFixed(6);
        field("checkin_accuracy").value = Math.round(pos.coords.accuracy || 0);
        field("checkin_at").value = String(pos.timestamp || Date.now());
        if (status) { status.textContent = "±" + Math.round(pos.coords.accuracy || 0) + " m"; }
        show("done");
        form.dispatchEvent(new Event("change", { bubbles: true }));  // the offline draft keeps it
      }, function () { show("failed"); });
    }
    if (button) {
      button.addEventListener("click", function () {
        var s = store();
        if (s && remember && remember.checked) { s.setItem(CONSENT, "1"); }
        take();
      });
    }
    if (field("checkin_latitude").value) { show("done"); return; }
    var s = store();
    if (s && s.getItem(CONSENT) === "1" && onsite()) { take(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var nearby = document.querySelector("[data-nearby-locate]");
    if (nearby) { setupNearby(nearby); }
    var card = document.querySelector("[data-checkin]");
    if (card) { setupCheckin(card); }
  });
})();
