// strata console: refreshes a live page in place by polling it. The pages
// are complete without this script; it only saves pressing reload.
(function () {
  "use strict";
  var every = parseInt(document.body.getAttribute("data-live") || "0", 10);
  if (!every) return;
  var busy = false;
  function editing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "SELECT" || a.tagName === "TEXTAREA");
  }
  function refresh() {
    if (busy || editing() || document.hidden) return;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main"), cur = document.getElementById("main");
        if (!fresh || !cur) return;
        var open = {};
        cur.querySelectorAll("details").forEach(function (d, i) { open[i] = d.open; });
        cur.innerHTML = fresh.innerHTML;
        cur.querySelectorAll("details").forEach(function (d, i) { if (i in open) d.open = open[i]; });
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(refresh, every);
})();
