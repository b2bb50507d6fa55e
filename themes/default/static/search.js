// Search box: Pagefind's own UI, bundled with the site in pagefind/ (no CDN).
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) { return; }
  if (location.protocol === "file:") {
    // Browsers do not let pages opened from disk load the search index.
    box.innerHTML = "";
    var note = document.createElement("p");
    note.className = "search-note";
    note.textContent = "Search works when the catalogue is served over HTTP (journeys serve, or any web server).";
    box.appendChild(note);
    return;
  }
  if (typeof PagefindUI === "undefined") { return; }
  var root = new URL(box.getAttribute("data-root") || "./", location.href).pathname;
  new PagefindUI({
    element: "#search",
    baseUrl: root,
    bundlePath: root + "pagefind/",
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    translations: { placeholder: "Search journeys, touchpoints, pains…" }
  });
  var input = box.querySelector("input");
  if (input) { input.setAttribute("aria-label", "Search the catalogue"); }
}());
