// broadsheet serve --watch: reload the page when a build has changed the site, and show a
// build error over the page until the next good build. Served by the preview server at
// /__broadsheet/live.js (never written into site/); no inline script or style attribute,
// so the site's Content-Security-Policy holds. The error text comes from file names and
// template messages: it goes into the page with textContent only.
(function () {
  "use strict";
  var URL = "/__broadsheet/events";
  var OVERLAY = "broadsheet-live-error";
  var generation = null; // the server's build count when this page first connected
  var source = null;

  function hide() {
    var box = document.getElementById(OVERLAY);
    if (box) box.remove();
  }

  var FAILED = "broadsheet: the build failed (the page shows the last good build)";
  var PARTIAL = "broadsheet: built without the files that have errors (the page shows this build)";

  function show(text, heading) {
    hide();
    var box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    var s = box.style; // CSSOM, which style-src 'self' allows (a style attribute it would not)
    s.position = "fixed";
    s.left = s.right = s.top = "0";
    s.zIndex = "2147483647";
    s.margin = "0";
    s.padding = "1em 1.5em";
    s.background = "#7a0010";
    s.color = "#fff";
    s.font = "15px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
    s.whiteSpace = "pre-wrap";
    s.overflowWrap = "anywhere";
    s.maxHeight = "60vh";
    s.overflow = "auto";
    s.boxShadow = "0 2px 12px rgba(0,0,0,.4)";
    var title = document.createElement("strong");
    title.textContent = heading;
    var message = document.createElement("div");
    message.className = "broadsheet-live-message";
    message.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", hide);
    box.appendChild(title);
    box.appendChild(message);
    box.appendChild(close);
    (document.body || document.documentElement).appendChild(box);
  }

  function connect() {
    source = new EventSource(URL);
    source.addEventListener("hello", function (e) {
      // a build finished while the connection was down (or the server restarted): catch up
      if (generation !== null && e.data !== generation) location.reload();
      generation = e.data;
    });
    source.addEventListener("reload", function () { location.reload(); });
    source.addEventListener("ok", hide);
    source.addEventListener("partial", function (e) { show(e.data, PARTIAL); });
    source.addEventListener("error", function (e) {
      if (typeof e.data === "string") { // the server's event, not a lost connection
        show(e.data, FAILED);
      } else if (source.readyState === EventSource.CLOSED) {
        // refused (the server restarted without --watch, or too many live pages): retry
        source = null;
        setTimeout(connect, 3000);
      }
    });
  }

  connect();
  // the browser's back/forward cache: closed when the page is put away, opened when it returns
  window.addEventListener("pagehide", function () {
    if (source) { source.close(); source = null; }
  });
  window.addEventListener("pageshow", function (e) { if (e.persisted && !source) connect(); });
})();
