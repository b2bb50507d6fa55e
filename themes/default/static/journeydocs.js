// Catalogue filters. Without JavaScript the full list shows and the form stays hidden.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var list = document.getElementById("journey-list");
  if (!form || !list) { return; }
  var cards = Array.prototype.slice.call(list.querySelectorAll("li.card"));
  var status = document.getElementById("filter-status");
  var none = document.getElementById("no-match");
  var data = cards.map(function (card) {
    try { return JSON.parse(card.getAttribute("data-filters") || "{}"); } catch (e) { return {}; }
  });
  function apply() {
    var wanted = {};
    ["persona", "stage", "tag"].forEach(function (name) { wanted[name] = form.elements[name].value; });
    var shown = 0;
    cards.forEach(function (card, i) {
      var ok = Object.keys(wanted).every(function (name) {
        return !wanted[name] || (data[i][name] || []).indexOf(wanted[name]) !== -1;
      });
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    status.textContent = shown + " of " + cards.length + " journeys shown";
    none.hidden = shown !== 0;
    var params = new URLSearchParams();
    Object.keys(wanted).forEach(function (name) { if (wanted[name]) { params.set(name, wanted[name]); } });
    var query = params.toString();
    if (window.history && window.history.replaceState && location.protocol !== "file:") {
      window.history.replaceState(null, "", query ? "?" + query : location.pathname);
    }
  }
  var initial = new URLSearchParams(location.search);
  ["persona", "stage", "tag"].forEach(function (name) {
    var value = initial.get(name);
    if (value) { form.elements[name].value = value; }
  });
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
