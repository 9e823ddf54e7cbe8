/* glossbook: search the book by any name, in the HTML edition and the preview.

   The search box (templates/html/search.html) is a combobox with a listbox of results
   (WAI-ARIA Authoring Practices, "combobox with list autocomplete"): "/" focuses it, the
   results follow each keystroke, Up and Down choose, Enter goes to the chosen (or first)
   entry, Escape closes the list, then clears the box.

   Data comes from two scripts written at build time (glossbook/search.py): js/entries.js
   (titles, names, definitions, addresses) and js/search-index.js (a Lunr index), with
   lunr.min.js; all three are inserted on first use, as scripts rather than fetched, so the
   edition works from file:// as from any web server. In the preview, whose policy allows
   only scripts carrying the page's nonce, each inserted script carries this script's nonce.

   Results are ranked by where the words matched: title, then another name, then the
   definition, then the body; Lunr's score orders results within each rank. A result found
   by another name shows it: "empathy gap → Emotional Misattunement". Accents and case do
   not matter: query and index are folded alike (NFKD, marks removed, lower case in the
   page's language, then NFKD with every mark removed). */
(function () {
  "use strict";

  var script = document.currentScript;
  var nonce = script ? script.nonce || script.getAttribute("nonce") || "" : "";
  var base = script ? script.src : document.baseURI;
  var lang = document.documentElement.lang || "en";
  var RANKS = { title: 0, names: 1, definition: 2, body: 3 };
  var MAX_RESULTS = 12;
  var loads = {};

  /* Insert js/<name> once; resolves when it has run. */
  function load(name) {
    if (!loads[name]) {
      loads[name] = new Promise(function (resolve, reject) {
        var element = document.createElement("script");
        element.src = new URL(name, base).href;
        if (nonce) element.nonce = nonce;
        element.addEventListener("load", function () { resolve(); });
        element.addEventListener("error", function () {
          delete loads[name];
          reject(new Error("could not load " + name));
        });
        document.head.appendChild(element);
      });
    }
    return loads[name];
  }

  /* The entries' data, with a map from slug to entry added once. */
  function entries() {
    return load("entries.js").then(function () {
      var data = window.glossbookEntries;
      if (!data.bySlug) {
        data.bySlug = {};
        data.entries.forEach(function (entry) { data.bySlug[entry.s] = entry; });
      }
      return data;
    });
  }

  /* search.py leaves a term's empty field postings out; lunr.js wants every field. */
  function complete(serialized) {
    serialized.invertedIndex.forEach(function (pair) {
      serialized.fields.forEach(function (field) {
        if (!pair[1][field]) pair[1][field] = {};
      });
    });
    return serialized;
  }

  var indexPromise = null;
  function searchIndex() {
    if (!indexPromise) {
      indexPromise = Promise.all([load("lunr.min.js"), load("search-index.js"), entries()])
        .then(function (loaded) {
          var index = window.lunr.Index.load(complete(window.glossbookSearchIndex));
          return { lunr: index, data: loaded[2] };
        });
      indexPromise.catch(function () { indexPromise = null; });
    }
    return indexPromise;
  }

  /* As glossbook/lookup.py folds: lower case in the page's language, then no marks. */
  function fold(text) {
    var lower;
    try { lower = String(text).toLocaleLowerCase(lang); } catch (error) {
      lower = String(text).toLowerCase();
    }
    return lower.normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFC");
  }

  function words(text) {
    return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  /* Every query word starts some word of the name. */
  function nameMatches(name, query) {
    var own = words(name);
    return query.every(function (word) {
      return own.some(function (w) { return w.indexOf(word) === 0; });
    });
  }

  function search(found, text) {
    var query = words(text);
    if (!query.length) return [];
    var lunr = window.lunr;
    var hits = found.lunr.query(function (q) {
      query.forEach(function (word) {
        q.term(word, {
          usePipeline: false,
          wildcard: lunr.Query.wildcard.TRAILING,
          presence: lunr.Query.presence.REQUIRED
        });
        q.term(word, { usePipeline: false, boost: 5 }); // a whole word beats a prefix
      });
    });
    var results = hits.map(function (hit) {
      var entry = found.data.entries[hit.ref];
      var result = { entry: entry, rank: RANKS.body, score: hit.score, name: "" };
      if (!entry) return result;
      if (nameMatches(entry.t, query)) {
        result.rank = RANKS.title;
      } else {
        result.name = entry.n.filter(function (n) { return nameMatches(n, query); })[0] || "";
        if (result.name) {
          result.rank = RANKS.names;
        } else { // the words are spread over fields: ranked by the definition or the body
          var matched = hit.matchData.metadata;
          Object.keys(matched).forEach(function (term) {
            if ("definition" in matched[term]) result.rank = RANKS.definition;
          });
        }
      }
      return result;
    }).filter(function (result) { return result.entry; });
    results.sort(function (a, b) { return a.rank - b.rank || b.score - a.score; });
    return results.slice(0, MAX_RESULTS);
  }

  var WHERE = ["", "", "in the definition", "in the text"];

  function setUp(form) {
    var input = form.querySelector("[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector("[role=status]");
    if (!input || !list) return;
    var results = [];
    var active = -1;
    var asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(n) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (n + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function go(result) {
      if (!result) return;
      close();
      window.location.href = new URL(result.entry.u, document.baseURI).href;
    }

    function show(found, text) {
      results = search(found, text);
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      results.forEach(function (result, n) {
        var option = document.createElement("li");
        option.id = "search-result-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "search-result";
        option.dataset.slug = result.entry.s;
        if (result.name) {
          var name = document.createElement("span");
          name.className = "search-name";
          name.textContent = result.name;
          option.appendChild(name);
          option.appendChild(document.createTextNode(" → "));
        }
        var title = document.createElement("span");
        title.className = "search-title";
        title.textContent = result.entry.t;
        option.appendChild(title);
        if (WHERE[result.rank]) {
          var where = document.createElement("span");
          where.className = "search-where";
          where.textContent = " " + WHERE[result.rank];
          option.appendChild(where);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { go(result); });
        list.appendChild(option);
      });
      var empty = !text.trim();
      list.hidden = empty || !results.length;
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      if (status) {
        status.textContent = empty ? "" : results.length
          ? results.length + (results.length === 1 ? " entry found." : " entries found.")
          : "No entry found.";
      }
    }

    function update() {
      var text = input.value;
      var ticket = ++asked;
      if (!text.trim()) { show({ lunr: null, data: null }, ""); return; }
      searchIndex().then(function (found) {
        if (ticket === asked) show(found, text); // a later keystroke has its own answer
      }, function () {
        if (status) status.textContent = "Search is not available.";
      });
    }

    input.addEventListener("input", update);
    input.addEventListener("focus", function () { searchIndex().catch(function () {}); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden && results.length) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        choose(active + (event.key === "ArrowDown" ? 1 : active < 0 ? 0 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (input.value.trim()) {
          var text = input.value;
          searchIndex().then(function (found) {
            if (!results.length || list.hidden) show(found, text);
            go(results[active >= 0 ? active : 0]);
          });
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          close();
        } else {
          input.value = "";
          show({ lunr: null, data: null }, "");
        }
        event.preventDefault();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
          (target && target.isContentEditable)) return;
      event.preventDefault();
      input.focus();
      input.select();
    });
    form.hidden = false;
  }

  window.glossbookLoad = { entries: entries, searchIndex: searchIndex, fold: fold };

  function start() {
    document.querySelectorAll("form.search").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
