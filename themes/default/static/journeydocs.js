// Catalogue filters. Without JavaScript the full list shows and the form stays hidden.
// A large catalogue is split into pages; its filters then search every journey
// through catalogue-index.js (a script, so it loads from file:// too).
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
  var results = null;

  function wanted() {
    var values = {};
    names.forEach(function (name) { values[name] = form.elements[name].value; });
    return values;
  }
  function matches(filters, values) {
    return names.every(function (name) {
      return !values[name] || (filters[name] || []).indexOf(values[name]) !== -1;
    });
  }
  function remember(values) {
    var params = new URLSearchParams();
    names.forEach(function (name) { if (values[name]) { params.set(name, values[name]); } });
    var query = params.toString();
    if (window.history && window.history.replaceState && location.protocol !== "file:") {
      window.history.replaceState(null, "", query ? "?" + query : location.pathname);
    }
  }
  function showPage(values) {
    var shown = 0;
    cards.forEach(function (card, i) {
      var ok = matches(data[i], values);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    status.textContent = shown + " of " + cards.length + " journeys shown";
    none.hidden = shown !== 0;
  }
  function showAll(values, index) {
    // Every journey of the catalogue, rendered from the index in place of this page's cards.
    var base = list.getAttribute("data-journeys");
    if (!results) {
      results = document.createElement("ul");
      results.className = "cards";
      results.id = "filter-results";
      list.parentNode.insertBefore(results, list.nextSibling);
    }
    results.textContent = "";
    var shown = 0;
    index.journeys.forEach(function (row) {
      var filters = { persona: row[3], stage: row[4], tag: row[5] };
      if (!matches(filters, values)) { return; }
      shown += 1;
      var item = document.createElement("li");
      item.className = "card";
      var heading = document.createElement("h2");
      var link = document.createElement("a");
      link.href = base + row[0] + "/index.html";
      link.textContent = row[1];
      heading.appendChild(link);
      item.appendChild(heading);
      if (row[2]) {
        var summary = document.createElement("p");
        summary.textContent = row[2];
        item.appendChild(summary);
      }
      var who = document.createElement("p");
      who.className = "muted";
      who.textContent = row[3].map(function (slug) { return index.personas[slug] || slug; }).join(", ");
      item.appendChild(who);
      results.appendChild(item);
    });
    status.textContent = shown + " of " + index.journeys.length + " journeys shown";
    none.hidden = shown !== 0;
  }
  function apply() {
    var values = wanted();
    remember(values);
    var filtering = names.some(function (name) { return values[name]; });
    if (!paged || !filtering) {
      list.hidden = false;
      if (results) { results.hidden = true; }
      showPage(values);
      return;
    }
    list.hidden = true;
    if (window.JOURNEYDOCS_INDEX) {
      results && (results.hidden = false);
      showAll(values, window.JOURNEYDOCS_INDEX);
      return;
    }
    status.textContent = "Loading the catalogue…";
    var script = document.createElement("script");
    script.src = paged;
    script.onload = function () { apply(); };
    document.body.appendChild(script);
  }
  var initial = new URLSearchParams(location.search);
  names.forEach(function (name) {
    var value = initial.get(name);
    if (value) { form.elements[name].value = value; }
  });
  form.addEventListener("change", apply);
  // A card's tag filters by that tag here and now; without JavaScript its link opens the catalogue.
  document.addEventListener("click", function (event) {
    var tag = event.target.closest && event.target.closest("a.tag[data-tag]");
    if (!tag || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    form.elements.tag.value = tag.getAttribute("data-tag");
    apply();
    form.scrollIntoView({ block: "nearest" });
    form.elements.tag.focus();
  });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
