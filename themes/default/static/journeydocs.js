// Catalogue filters. Without JavaScript the full list shows and the form stays hidden.
// A large catalogue is split into pages; its filters then search every journey
// through catalogue-index.js (a script, so it loads from file:// too). While a filter
// is on, the pager is hidden: its links carry no filter and the results span every page.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var list = document.getElementById("journey-list");
  if (!form || !list) { return; }
  var cards = Array.prototype.slice.call(list.querySelectorAll("li.card"));
  var status = document.getElementById("filter-status");
  var none = document.getElementById("no-match");
  var names = ["persona", "stage", "tag"];
  var data = cards.map(function (card) {
    try { return JSON.parse(card.getAttribute("data-filters") || "{}"); } catch (e) { return {}; }
  });
  var paged = list.getAttribute("data-paged");
  var total = parseInt(list.getAttribute("data-total"), 10) || cards.length;
  var pagers = Array.prototype.slice.call(document.querySelectorAll("#page-note, nav.pager"));
  var results = null;
  var built = []; // the index's cards, each built the first time it matches
  var COLUMN = { persona: 3, stage: 4, tag: 5 }; // where an index row keeps what the filters match
  var loading = false; // catalogue-index.js requested, not yet arrived
  var failed = false;  // it could not be loaded: filter this page only

  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function counted(n, noun) {
    return number(n) + " " + (n === 1 ? noun : noun + "s");
  }
  function wanted() {
    var values = {};
    names.forEach(function (name) { values[name] = form.elements[name].value; });
    return values;
  }
  function matches(filters, values) { // filters(name): what the journey has of that kind
    return names.every(function (name) {
      return !values[name] || (filters(name) || []).indexOf(values[name]) !== -1;
    });
  }
  function choose(name, value) { // a value the select does not offer means "any"
    var select = form.elements[name];
    select.value = value;
    if (select.selectedIndex < 0) { select.value = ""; }
  }
  function remember(values) {
    var params = new URLSearchParams();
    names.forEach(function (name) { if (values[name]) { params.set(name, values[name]); } });
    var query = params.toString();
    if (location.protocol !== "file:") {
      window.history.replaceState(null, "", query ? "?" + query : location.pathname);
    }
  }
  function showing(what) { // "page" (this page's cards), "results" (from the index) or neither
    list.hidden = what !== "page";
    if (results) { results.hidden = what !== "results"; }
  }
  function showPage(values, filtering) {
    var shown = 0;
    cards.forEach(function (card, i) {
      var ok = matches(function (name) { return data[i][name]; }, values);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    showing("page");
    none.hidden = shown !== 0;
    if (!filtering) {
      status.textContent = paged ? counted(total, "journey") + "; this page shows " + number(cards.length) : "";
    } else if (paged) {
      status.textContent = "The whole catalogue could not be loaded, so only this page is filtered: " +
        number(shown) + " of its " + counted(cards.length, "journey") + " shown.";
    } else {
      status.textContent = number(shown) + " of " + counted(cards.length, "journey") + " shown";
    }
  }

  // -- cards built from the index, like the page's own (text only, never markup) ---------
  // What they need from the page, read once, when the first of them is built.
  var journeysBase, personasBase, home, stageTitles, personaRoles;
  function lookups() {
    journeysBase = list.getAttribute("data-journeys");
    personasBase = list.getAttribute("data-personas");
    home = list.getAttribute("data-home");
    stageTitles = Array.prototype.map.call(form.elements.stage.options, function (option) {
      return [option.value, option.textContent];
    }).filter(function (pair) { return pair[0]; });
    personaRoles = {};
    Array.prototype.forEach.call(form.elements.persona.options, function (option) {
      if (option.value) { personaRoles[option.value] = [option.textContent, option.getAttribute("data-role") || ""]; }
    });
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function link(href, className, text) {
    var node = element("a", className, text);
    node.setAttribute("href", href);
    return node;
  }
  function fact(facts, term, items) {
    facts.appendChild(element("dt", "", term));
    var dd = element("dd");
    items.forEach(function (item, i) {
      if (i) { dd.appendChild(document.createTextNode(" ")); }
      dd.appendChild(typeof item === "string" ? document.createTextNode(item) : item);
    });
    facts.appendChild(dd);
  }
  function card(row) {
    var slug = row[0], page = journeysBase + encodeURIComponent(slug) + "/index.html";
    var item = element("li", "card");
    var heading = element("h2");
    heading.appendChild(link(page, "", row[1]));
    if (row[7]) {  // a draft, in a build with --drafts: badged as on the page's own cards
      heading.appendChild(document.createTextNode(" "));
      heading.appendChild(element("span", "badge draft", "Draft"));
    }
    item.appendChild(heading);
    if (row[2]) { item.appendChild(element("p", "", row[2])); }
    var facts = element("dl", "facts");
    fact(facts, "Personas", (row[3] || []).map(function (persona) {
      var known = personaRoles[persona] || [persona, ""]; // the form lists every persona
      var chip = link(personasBase + encodeURIComponent(persona) + "/index.html", "chip" + (known[1] ? " role-" + known[1] : ""), known[0] + " ");
      if (known[1]) { chip.appendChild(element("span", "chip-role", known[1])); }
      return chip;
    }));
    var strip = element("ol", "stage-strip");
    var on = row[4] || [];
    stageTitles.forEach(function (pair) {
      var covered = on.indexOf(pair[0]) !== -1;
      var li = element("li", covered ? "on" : "off");
      if (covered) {
        li.appendChild(link(page + "#stage-" + pair[0], "", pair[1]));
      } else {
        li.appendChild(element("span", "visually-hidden", "not covered: "));
        li.appendChild(document.createTextNode(pair[1]));
      }
      strip.appendChild(li);
    });
    fact(facts, "Stages", [strip]);
    if (row[6]) { fact(facts, "Relationship", [row[6]]); }
    var tags = row[5] || [];
    if (tags.length) {
      fact(facts, "Tags", tags.map(function (tag) {
        var a = link(home + "?tag=" + encodeURIComponent(tag), "tag", tag);
        a.setAttribute("data-tag", tag);
        a.setAttribute("title", "Journeys tagged " + tag);
        return a;
      }));
    }
    item.appendChild(facts);
    return item;
  }
  function showAll(values, index) {
    // Every journey of the catalogue, rendered from the index in place of this page's cards.
    if (!results) {
      results = element("ul", "cards");
      results.id = "filter-results";
      list.parentNode.insertBefore(results, list.nextSibling);
      lookups();
    }
    var found = document.createDocumentFragment();
    var shown = 0;
    index.journeys.forEach(function (row, i) {
      if (!matches(function (name) { return row[COLUMN[name]]; }, values)) { return; }
      shown += 1;
      found.appendChild(built[i] || (built[i] = card(row))); // built once, shown again when it matches again
    });
    results.textContent = "";
    results.appendChild(found);
    showing("results");
    status.textContent = number(shown) + " of " + counted(index.journeys.length, "journey") + " shown";
    none.hidden = shown !== 0;
  }
  function load() {
    // One request, however many filters change while it is on its way.
    if (loading) { return; }
    loading = true;
    var script = document.createElement("script");
    script.src = paged;
    script.onload = function () {
      loading = false;
      if (!window.JOURNEYDOCS_INDEX) { failed = true; }
      apply();
    };
    script.onerror = function () {
      loading = false;
      failed = true;
      script.parentNode.removeChild(script);
      apply();
    };
    document.body.appendChild(script);
  }
  var applied = null;
  function apply() {
    var values = wanted();
    applied = JSON.stringify(values);
    remember(values);
    var filtering = names.some(function (name) { return values[name]; });
    pagers.forEach(function (node) { node.hidden = Boolean(paged && filtering); });
    if (!paged || !filtering || failed) {
      showPage(values, filtering);
    } else if (window.JOURNEYDOCS_INDEX) {
      showAll(values, window.JOURNEYDOCS_INDEX);
    } else {
      showing(null);
      none.hidden = true;
      status.textContent = "Loading the whole catalogue…";
      load();
    }
  }
  function fromHistory() {
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    return entries.length > 0 && entries[0].type === "back_forward";
  }
  function restore() {
    // A query in the address wins when the page is opened; coming back to it (Back,
    // Forward), the form as the browser restored it does: opened from disk the address
    // keeps the query it was opened with (a tag link's), never the filters chosen since.
    if (fromHistory()) { return; }
    var query = new URLSearchParams(location.search);
    var given = names.some(function (name) { return query.get(name); });
    if (given) {
      names.forEach(function (name) { choose(name, query.get(name) || ""); });
    }
  }
  form.addEventListener("change", apply);
  // A card's tag filters by that tag here and now; without JavaScript its link opens the catalogue.
  document.addEventListener("click", function (event) {
    var tag = event.target.closest("a.tag[data-tag]");
    if (!tag || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    choose("tag", tag.getAttribute("data-tag"));
    apply();
    form.scrollIntoView({ block: "nearest" });
    form.elements.tag.focus();
  });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  // Browsers restore a form's values after the page loads (before pageshow): show what the
  // form shows.  A page back from the back-forward cache is as it was left: nothing to do.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { return; }
    restore();
    if (JSON.stringify(wanted()) !== applied) { apply(); }
  });
  form.hidden = false;
  restore();
  apply();
}());
