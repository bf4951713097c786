// The search page. Two engines behind one page:
//  - served: the preview server's /api/search (Whoosh), with facet counts;
//  - static: the index written at build time into search/ (any static host, or file://),
//    loaded shard by shard with <script> tags, ranked with Whoosh's BM25F from the raw
//    term frequencies and field lengths the postings carry.
// The page tries the server first and quietly uses the static index when there is none.
// Everything from the index is put in the page with textContent: titles come from the web.
// Inline text from the web (titles, sources, tags) goes through bdi(), as the templates'
// `bdi` filter: bidi controls balanced, and isolated in a <bdi> when it has one or a
// right-to-left letter. No inline script or style anywhere: the site's CSP forbids them.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = (script && script.dataset.root) || "";
  var FILTERS = ["tag", "source", "lang", "year"];

  // ---- the page's language ----------------------------------------------------------------
  // search.html hands over its strings (data-i18n: the site's catalogue and overrides) and
  // its language, for plurals (Intl.PluralRules: CLDR's categories, as the catalogue holds
  // them), numbers and dates. A page without them (a site's own older search.html) reads in
  // English.
  var I18N = {};
  try { I18N = JSON.parse((script && script.dataset.i18n) || "{}"); } catch (e) { I18N = {}; }
  var LOCALE = I18N.locale || document.documentElement.lang || "en";
  var STRINGS = I18N.strings || {};
  var ENGLISH = {
    searching: "Searching\u2026", search_failed: "Search failed: %(error)s",
    no_match: "No articles match \u201c%(query)s\u201d.", did_you_mean: "Did you mean: %(suggestion)s",
    matches_query: {one: "%(num)s article matches \u201c%(query)s\u201d.",
                    other: "%(num)s articles match \u201c%(query)s\u201d."},
    matches: {one: "%(num)s article matches.", other: "%(num)s articles match."},
    tags: "Tags", sources: "Sources", languages: "Languages", years: "Years",
    previous: "\u2190 Previous", next: "Next \u2192", page_of: "Page %(page)s of %(pages)s"
  };
  function intl(make, fallback) {
    try { return make(); } catch (e) { return fallback; }  // a tag Intl does not know
  }
  var plurals = intl(function () { return new Intl.PluralRules(LOCALE); }, null);
  var numbers = intl(function () { return new Intl.NumberFormat(LOCALE); }, null);
  var dates = intl(function () {
    return new Intl.DateTimeFormat(LOCALE, {dateStyle: "long", timeZone: "UTC"});
  }, null);
  function number(n) { return numbers ? numbers.format(n) : String(n); }
  function longDate(iso) {  // "2024-03-03" -> "3 mars 2024", "March 3, 2024"
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m || !dates) return iso;
    var d = new Date(0);
    d.setUTCFullYear(+m[1], +m[2] - 1, +m[3]);
    return dates.format(d);
  }
  function fill(template, vars) {  // "%(name)s" -> vars.name (a string or a node), "%%" -> "%"
    var out = [], re = /%\((\w+)\)s|%%/g, at = 0, m;
    while ((m = re.exec(template)) !== null) {
      if (m.index > at) out.push(template.slice(at, m.index));
      out.push(m[0] === "%%" ? "%" : vars[m[1]] !== undefined ? vars[m[1]] : m[0]);
      at = re.lastIndex;
    }
    if (at < template.length) out.push(template.slice(at));
    return out;
  }
  function t(key, vars, n) {  // the parts of a string: text and the nodes put in it
    var text = Object.prototype.hasOwnProperty.call(STRINGS, key) ? STRINGS[key] : ENGLISH[key];
    if (typeof text === "object") {
      var cat = plurals ? plurals.select(n) : (n === 1 ? "one" : "other");
      text = text[cat] || text.other;
    }
    return fill(text, Object.assign({num: n === undefined ? "" : number(n)}, vars || {}));
  }
  function tt(key, vars, n) { return t(key, vars, n).join(""); }  // as plain text

  // ---- the static engine ------------------------------------------------------------------
  var S = window.BroadsheetSearch = window.BroadsheetSearch || {};
  var loaded = {}, waiting = {};
  S.load = function (name, data) {
    loaded[name] = data;
    (waiting[name] || []).forEach(function (fn) { fn(data); });
    delete waiting[name];
  };
  function need(name) {
    if (loaded[name] !== undefined) return Promise.resolve(loaded[name]);
    return new Promise(function (resolve, reject) {
      if (waiting[name]) { waiting[name].push(resolve); return; }
      waiting[name] = [resolve];
      var tag = document.createElement("script");
      // meta.js is asked for afresh each time (it is small), and every other file under
      // the key of the export meta.js describes: a browser's cache (a static host sends
      // no Cache-Control) can then never mix the files of two builds
      tag.src = root + "search/" + name + ".js" + (name === "meta" ? "?t=" + Date.now()
        : "?v=" + encodeURIComponent((loaded.meta || {}).key || ""));
      tag.onerror = function () { delete waiting[name]; reject(new Error("cannot load " + name)); };
      document.head.appendChild(tag);
    });
  }
  function fnv1a(text) {
    var bytes = new TextEncoder().encode(text), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }
  // search.py's fold(): marks off, casefolded, marks off again. toLowerCase() is casefold()
  // but for ß, the final sigma, Cherokee (whose case folds to its capitals) and the old
  // Cyrillic letter forms U+1C80-1C88
  var CYRILLIC_FORMS = "\u0432\u0434\u043e\u0441\u0442\u0442\u044a\u0463\ua64b";
  function bare(text) { return text.normalize("NFKD").replace(/\p{M}/gu, ""); }
  function fold(word) {
    return bare(bare(word).toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ")
      .replace(/[\u13f8-\u13fd\uab70-\uabbf]/g, function (c) { return c.toUpperCase(); })
      .replace(/[\u1c80-\u1c88]/g, function (c) {
        return CYRILLIC_FORMS[c.charCodeAt(0) - 0x1c80];
      }));
  }
  S.fold = fold;  // for the test that holds it to the Python one
  function slug(text) {
    return fold(text).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }
  var WORD = /[\p{L}\p{N}_]+/gu;

  function postings(meta, key) {
    // doc key -> score. A filter's posting is its documents; a term's has one list per field
    // of its group, each entry "delta.length[.tf]" in base 36, scored here with Whoosh's
    // BM25F (idf = log(N / (df + 1)) + 1, the field's boost on tf, its average length)
    var file = meta.big[key] || ("p/" + (fnv1a(key) % meta.shards.p));
    return need(file).then(function (shard) {
      var out = new Map(), value = shard[key];
      if (!value) return out;
      if (typeof value === "string") {
        var d = 0;
        value.split(",").forEach(function (part) { d += parseInt(part, 36); out.set(d, 0); });
        return out;
      }
      var fields = meta.groups[key.slice(0, key.indexOf(":"))] || [];
      var B = meta.bm25[0], K1 = meta.bm25[1];
      value.forEach(function (list, i) {
        if (!list || !fields[i]) return;
        var entries = list.split(","), boost = fields[i][1], avgfl = fields[i][2];
        var idf = Math.log(meta.docs / (entries.length + 1)) + 1, doc = 0;
        entries.forEach(function (entry) {
          var p = entry.split(".");
          doc += parseInt(p[0], 36);
          var fl = parseInt(p[1], 36), tf = (p.length > 2 ? parseInt(p[2], 36) : 1) * boost;
          var score = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl));
          out.set(doc, (out.get(doc) || 0) + score);
        });
      });
      return out;
    });
  }
  function terms(meta, word) {
    var folded = fold(word);
    return need("s/" + (fnv1a(folded) % meta.shards.s)).then(function (shard) {
      var entry = shard[folded];
      // the groups where the word is indexed, with its term there (none: it matches nothing)
      if (entry) return entry;
      if (!folded) return null;
      var guess = {};  // a form no article uses: look it up as written in every group
      Object.keys(meta.groups).forEach(function (g) { guess[g] = folded; });
      return guess;
    });
  }
  function wordMatches(meta, word) {  // doc -> score summed over the word's fields
    return terms(meta, word).then(function (entry) {
      if (!entry) return null;
      var groups = Object.keys(entry);
      return Promise.all(groups.map(function (g) { return postings(meta, g + ":" + entry[g]); }))
        .then(function (maps) {
          var out = new Map(), byGroup = {};
          maps.forEach(function (m, i) {
            byGroup[groups[i]] = m;
            m.forEach(function (s, d) { out.set(d, (out.get(d) || 0) + s); });
          });
          return {entry: entry, docs: out, byGroup: byGroup};
        });
    });
  }
  var commonWords = null;
  function phraseDocs(meta, words, found) {
    // a quoted phrase: the documents where its words are in its order. Every two words side
    // by side of which one, and only one, is a common word (its glue: "de", "the") must be a
    // pair the document has (the build records those pairs, by language); the words of the
    // phrase must all be in that language's fields
    if (commonWords === null) commonWords = new Set(meta.common || []);
    var glue = words.map(function (w) { return commonWords.has(fold(w)); });
    var groups = Object.keys(found[0].byGroup).filter(function (g) {
      return found.every(function (w) { return w.byGroup[g]; });
    });
    return Promise.all(groups.map(function (g) {
      var keys = [];
      for (var i = 0; i + 1 < found.length; i++) {
        if (glue[i] !== glue[i + 1]) keys.push(g + "=" + found[i].entry[g] + " " + found[i + 1].entry[g]);
      }
      return Promise.all(keys.map(function (k) { return postings(meta, k); })).then(function (pairs) {
        var docs = new Set();
        found[0].byGroup[g].forEach(function (s, d) {
          if (found.every(function (w) { return w.byGroup[g].has(d); }) &&
              pairs.every(function (p) { return p.has(d); })) docs.add(d);
        });
        return docs;
      });
    })).then(function (sets) {
      var all = new Set();
      sets.forEach(function (set) { set.forEach(function (d) { all.add(d); }); });
      return all;
    });
  }
  function parse(q) {
    var filters = {}, rest = q.replace(/(^|\s)(tag|source|lang|year):(?:"([^"]*)"|(\S+))/gi,
      function (m, pre, name, quoted, bare) { filters[name.toLowerCase()] = quoted !== undefined ? quoted : bare; return " "; });
    // as the server's parser reads it: tokens are ANDed, the words of one ("zebra-story",
    // a quoted phrase) a group that must all be there; "a OR b" is one clause matching
    // either (OR binds closer than the AND between tokens); "NOT a" and "-a" exclude; the
    // operators count in capitals only ("or" is a word)
    var clauses = [], exclude = [], next = null;
    rest.replace(/(^|\s)(-?)("[^"]*"|\S+)/g, function (m, pre, minus, token) {
      if (!minus && (token === "AND" || token === "OR" || token === "NOT")) {
        next = token === "AND" ? null : token;
        return m;
      }
      var group = token.replace(/"/g, "").match(WORD) || [];
      group.phrase = token.charAt(0) === '"' && group.length > 1;
      if (group.length) {
        if (minus || next === "NOT") exclude.push(group);
        else if (next === "OR" && clauses.length) clauses[clauses.length - 1].push(group);
        else clauses.push([group]);
      }
      next = null;
      return m;
    });
    return {clauses: clauses, exclude: exclude, filters: filters};
  }
  function groupMatches(meta, words) {  // docs with every word, summed
    return Promise.all(words.map(function (w) { return wordMatches(meta, w); })).then(function (found) {
      found = found.filter(Boolean);
      if (!found.length) return null;
      var out = null;
      found.forEach(function (w) {
        if (out === null) { out = new Map(w.docs); return; }
        var both = new Map();
        out.forEach(function (s, d) { if (w.docs.has(d)) both.set(d, s + w.docs.get(d)); });
        out = both;
      });
      var entries = found.map(function (w) { return w.entry; });
      if (!words.phrase || found.length < words.length) return {entries: entries, docs: out};
      return phraseDocs(meta, words, found).then(function (inOrder) {
        out.forEach(function (s, d) { if (!inOrder.has(d)) out.delete(d); });
        return {entries: entries, docs: out};
      });
    });
  }
  function clauseMatches(meta, alternatives) {  // docs with any of the groups, summed
    return Promise.all(alternatives.map(function (g) { return groupMatches(meta, g); })).then(function (found) {
      found = found.filter(Boolean);
      if (!found.length) return null;
      var out = new Map(), entries = [];
      found.forEach(function (g) {
        entries.push.apply(entries, g.entries);
        g.docs.forEach(function (s, d) { out.set(d, (out.get(d) || 0) + s); });
      });
      return {entries: entries, docs: out};
    });
  }
  S.query = function (q, opts) {
    opts = opts || {};
    var limit = opts.limit || 10, page = Math.max(1, opts.page || 1);
    var parsed = parse(q);
    FILTERS.forEach(function (f) { if (opts[f]) parsed.filters[f] = opts[f]; });
    return need("meta").then(function (meta) {
      var filterKeys = Object.keys(parsed.filters).filter(function (f) { return parsed.filters[f]; })
        .map(function (f) {
          var v = parsed.filters[f];
          if (f !== "tag" && f !== "source") return f + "=" + v.toLowerCase();
          // a name whose key the page cannot make (Łódź: lodz) is looked up in meta.names
          var named = (meta.names || {})[f] || {};
          return f + "=" + (Object.prototype.hasOwnProperty.call(named, fold(v))
                            ? named[fold(v)] : slug(v));
        });
      return Promise.all([
        Promise.all(parsed.clauses.map(function (c) { return clauseMatches(meta, c); })),
        Promise.all(parsed.exclude.map(function (g) { return groupMatches(meta, g); })),
        Promise.all(filterKeys.map(function (k) { return postings(meta, k); }))
      ]).then(function (parts) {
        var words = parts[0].filter(Boolean), scores = null, highlight = [];
        words.forEach(function (w) {
          highlight.push.apply(highlight, w.entries);
          if (scores === null) { scores = new Map(w.docs); return; }
          var next = new Map();
          scores.forEach(function (s, d) { if (w.docs.has(d)) next.set(d, s + w.docs.get(d)); });
          scores = next;
        });
        if (scores === null) {  // no words: the filters decide
          scores = new Map();
          if (filterKeys.length) {  // the first filter's documents, narrowed by the others
            parts[2][0].forEach(function (s, d) { scores.set(d, 0); });
          }
        }
        parts[1].filter(Boolean).forEach(function (w) { w.docs.forEach(function (s, d) { scores.delete(d); }); });
        parts[2].forEach(function (m) { scores.forEach(function (s, d) { if (!m.has(d)) scores.delete(d); }); });
        var ranked = Array.from(scores.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
        var slice = ranked.slice((page - 1) * limit, page * limit);
        return Promise.all(slice.map(function (r) {
          return need("d/" + (r[0] % meta.shards.d)).then(function (docs) {
            var x = docs[r[0].toString(36)];
            return {url: x[0], title: x[1], date: x[2] || null, source: x[3] || null,
                    language: x[4] || null, tags: x[5], snippet_parts: mark(x[6], highlight, x[4]),
                    tagKeys: x[7], sourceKey: x[8]};
          });
        })).then(function (hits) {
          return {query: q, total: ranked.length, page: page,
                  pages: Math.max(1, Math.ceil(ranked.length / limit)), hits: hits,
                  suggestion: null, facets: pageFacets(hits), mode: "static"};
        });
      });
    });
  };
  function pageFacets(hits) {
    // without a server the counts are those of the results on this page: counting the whole
    // result set would mean loading every matching document
    var counts = {tag: {}, source: {}, lang: {}, year: {}};
    function add(name, value, label) {
      if (!value) return;
      var c = counts[name][value] || (counts[name][value] = {value: value, label: label, count: 0});
      c.count += 1;
    }
    hits.forEach(function (h) {
      (h.tags || []).forEach(function (t, i) { add("tag", h.tagKeys[i], t); });
      if (h.source) add("source", h.sourceKey, h.source);
      add("lang", h.language, h.language);
      if (h.date) add("year", h.date.slice(0, 4), h.date.slice(0, 4));
    });
    var out = {};
    Object.keys(counts).forEach(function (name) {
      out[name] = Object.values(counts[name]).sort(byCountThenLabel).slice(0, 20);
    });
    return out;
  }
  function byCountThenLabel(a, b) {
    // commonest first, then by label folded ("État" among the E's), as the server sorts
    var fa = fold(String(a.label)), fb = fold(String(b.label));
    return b.count - a.count || (fa < fb ? -1 : fa > fb ? 1 : a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  }
  S.byCountThenLabel = byCountThenLabel;  // for the test that holds it to the server's order
  function mark(text, entries, lang) {
    // a word is marked when its folded form is one the query looked up, or starts with the
    // stem the query has in the article's language
    var stems = [];
    entries.forEach(function (e) {
      Object.keys(e).forEach(function (g) { if (g === lang || g === "any") stems.push(e[g]); });
    });
    var parts = [], at = 0;
    text.replace(WORD, function (w, offset) {
      var f = fold(w);
      // the word's stem is one the query has, give or take an ending of three letters
      if (stems.some(function (s) { return s && f.indexOf(s) === 0 && f.length - s.length <= 3; })) {
        if (offset > at) parts.push({text: text.slice(at, offset), match: false});
        parts.push({text: w, match: true});
        at = offset + w.length;
      }
      return w;
    });
    if (at < text.length) parts.push({text: text.slice(at), match: false});
    return parts;
  }

  // ---- the served engine ------------------------------------------------------------------
  var mode = null;  // "served" or "static", decided by the first query
  function served(q, opts) {
    var params = new URLSearchParams({q: q, page: opts.page || 1});
    FILTERS.forEach(function (f) { if (opts[f]) params.set(f, opts[f]); });
    if (opts.sort) params.set("sort", opts.sort);
    return fetch(root + "api/search?" + params.toString()).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) throw new Error("no search server");
      return r.json().then(function (data) {
        if (!r.ok) { var e = new Error(data.error || r.statusText); e.answered = true; throw e; }
        data.mode = "served";
        return data;
      });
    });
  }
  function run(q, opts) {
    if (mode === "static") return S.query(q, opts);
    return served(q, opts).then(function (data) { mode = "served"; return data; }, function (err) {
      if (err.answered) throw err;
      mode = "static";
      return S.query(q, opts);
    });
  }

  // ---- the page ---------------------------------------------------------------------------
  var form = document.getElementById("search-form");
  if (!form) return;  // loaded for S.query alone
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var facetBox = document.getElementById("search-facets");
  var pager = document.getElementById("search-pager");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  var EMBED = "\u202a\u202b\u202d\u202e", ISOLATE = "\u2066\u2067\u2068", PDF = "\u202c", PDI = "\u2069";
  var RTL_OR_BIDI = /[\u0590-\u08ff\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff\ufe70-\ufefe\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
  function balance(text) {  // as render.balance_bidi: unmatched closers out, open ones closed
    var out = "", stack = [];
    Array.from(text).forEach(function (ch) {
      if (EMBED.indexOf(ch) >= 0) stack.push(PDF);
      else if (ISOLATE.indexOf(ch) >= 0) stack.push(PDI);
      else if (ch === PDF) { if (stack[stack.length - 1] !== PDF) return; stack.pop(); }
      else if (ch === PDI) { if (stack.indexOf(PDI) < 0) return; while (stack.pop() !== PDI) {} }
      out += ch;
    });
    return out + stack.reverse().join("");
  }
  function bdi(text) {  // a text node, or a <bdi> when the text could reorder its neighbours
    text = balance(String(text));
    return RTL_OR_BIDI.test(text) ? el("bdi", text) : document.createTextNode(text);
  }
  function line(parts) {  // text and bdi() nodes in one node list
    var frag = document.createDocumentFragment();
    parts.forEach(function (p) { frag.appendChild(typeof p === "string" ? document.createTextNode(p) : p); });
    return frag;
  }
  function state() {
    var p = new URLSearchParams(window.location.search), s = {q: p.get("q") || "", page: parseInt(p.get("page") || "1", 10) || 1};
    FILTERS.forEach(function (f) { s[f] = p.get(f) || ""; });
    return s;
  }
  function go(s) {
    var p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    FILTERS.forEach(function (f) { if (s[f]) p.set(f, s[f]); });
    if (s.page > 1) p.set("page", s.page);
    history.pushState(null, "", "?" + p.toString());
    render(s);
  }
  function link(text, s, current) {  // text: a string, or nodes
    var a = typeof text === "string" ? el("a", text) : el("a");
    if (typeof text !== "string") a.appendChild(text);
    var p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    FILTERS.forEach(function (f) { if (s[f]) p.set(f, s[f]); });
    if (s.page > 1) p.set("page", s.page);
    a.href = "?" + p.toString();
    if (current) a.setAttribute("aria-current", "true");
    a.addEventListener("click", function (e) { e.preventDefault(); go(s); });
    return a;
  }
  function show(data, s) {
    list.replaceChildren();
    facetBox.replaceChildren();
    pager.replaceChildren();
    if (data.total === 0) {
      status.replaceChildren(line(t("no_match", {query: bdi(s.q || "")})));
      if (data.suggestion) {
        var p = el("p");
        p.appendChild(line(t("did_you_mean", {
          suggestion: link(line([bdi(data.suggestion)]), {q: data.suggestion, page: 1})})));
        p.id = "search-suggestion";
        status.after(p);
      }
    } else {
      status.replaceChildren(line(s.q ? t("matches_query", {query: bdi(s.q)}, data.total)
                                      : t("matches", {}, data.total)));
    }
    data.hits.forEach(function (hit) {
      var li = el("li"), h2 = el("h2"), a = el("a");
      a.appendChild(bdi(hit.title));
      a.href = root + hit.url;
      h2.appendChild(a);
      li.appendChild(h2);
      if (hit.date || hit.source) {
        var meta = el("p", undefined, "meta");
        if (hit.date) {
          var time = el("time", longDate(hit.date));
          time.setAttribute("datetime", hit.date);
          meta.appendChild(time);
        }
        if (hit.date && hit.source) meta.appendChild(document.createTextNode(" \u00b7 "));
        if (hit.source) meta.appendChild(bdi(hit.source));
        li.appendChild(meta);
      }
      var snip = el("p", undefined, "snippet");
      hit.snippet_parts.forEach(function (part) {
        snip.appendChild(part.match ? el("mark", part.text) : document.createTextNode(part.text));
      });
      li.appendChild(snip);
      list.appendChild(li);
    });
    if (data.facets) {
      [["tag", tt("tags")], ["source", tt("sources")], ["lang", tt("languages")],
       ["year", tt("years")]].forEach(function (f) {
        var rows = data.facets[f[0]] || [];
        if (!rows.length) return;
        var section = el("section"), ul = el("ul");
        section.setAttribute("aria-label", f[1]);
        section.appendChild(el("h2", f[1]));
        rows.forEach(function (r) {
          var li = el("li"), next = Object.assign({}, s, {page: 1});
          next[f[0]] = s[f[0]] === r.value ? "" : r.value;
          li.appendChild(link(line([bdi(r.label), " (" + number(r.count) + ")"]), next, s[f[0]] === r.value));
          ul.appendChild(li);
        });
        section.appendChild(ul);
        facetBox.appendChild(section);
      });
    }
    if (data.pages > 1) {
      if (data.page > 1) pager.appendChild(link(tt("previous"), Object.assign({}, s, {page: data.page - 1})));
      pager.appendChild(el("span", tt("page_of", {page: number(data.page), pages: number(data.pages)})));
      if (data.page < data.pages) pager.appendChild(link(tt("next"), Object.assign({}, s, {page: data.page + 1})));
    }
  }
  function render(s) {
    input.value = s.q;
    var old = document.getElementById("search-suggestion");
    if (old) old.remove();
    if (!s.q && !FILTERS.some(function (f) { return s[f]; })) {
      status.textContent = ""; list.replaceChildren(); facetBox.replaceChildren(); pager.replaceChildren();
      return;
    }
    status.textContent = tt("searching");
    run(s.q, s).then(function (data) { show(data, s); }, function (err) {
      status.textContent = tt("search_failed", {error: err.message});
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    go({q: input.value.trim(), page: 1});
  });
  window.addEventListener("popstate", function () { render(state()); });
  render(state());
})();
