// The search page: reads ?q= from the URL, asks the preview server's /api/search, and
// builds the results with textContent only (titles and snippets come from the web).
(function () {
  "use strict";
  var script = document.currentScript;
  var root = (script && script.dataset.root) || "";
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function show(data) {
    list.replaceChildren();
    status.textContent = data.total === 0 ? "No articles match \u201c" + data.query + "\u201d."
      : data.total + (data.total === 1 ? " article matches" : " articles match") +
        " \u201c" + data.query + "\u201d.";
    data.hits.forEach(function (hit) {
      var li = el("li");
      var h2 = el("h2");
      var a = el("a", hit.title);
      a.href = root + hit.url;
      h2.appendChild(a);
      li.appendChild(h2);
      var meta = [hit.date, hit.source].filter(Boolean).join(" · ");
      if (meta) li.appendChild(el("p", meta, "meta"));
      var p = el("p", undefined, "snippet");
      hit.snippet_parts.forEach(function (part) {
        p.appendChild(part.match ? el("mark", part.text) : document.createTextNode(part.text));
      });
      li.appendChild(p);
      list.appendChild(li);
    });
  }

  function run(query) {
    if (!query) { status.textContent = ""; list.replaceChildren(); return; }
    status.textContent = "Searching\u2026";
    fetch(root + "api/search?q=" + encodeURIComponent(query))
      .then(function (r) {
        if (!r.ok) return r.json().then(function (e) { throw new Error(e.error || r.statusText); });
        return r.json();
      })
      .then(show)
      .catch(function (err) {
        status.textContent = "Search needs the preview server (broadsheet serve): " + err.message;
      });
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value.trim();
    history.pushState(null, "", "?q=" + encodeURIComponent(q));
    run(q);
  });
  window.addEventListener("popstate", function () {
    var q = new URLSearchParams(window.location.search).get("q") || "";
    input.value = q;
    run(q);
  });
  run(query);
})();
