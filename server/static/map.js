// Draws the map of a resource page from the data-* attributes of #map (no data in inline scripts).
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.long);
  if (isNaN(lat) || isNaN(lng)) { return; }
  L.Icon.Default.imagePath = el.dataset.images || (document.querySelector("script[src$='leaflet.js']").src.replace(/leaflet\.js$/, "images/"));
  var map = L.map(el).setView([lat, lng], 16);
  if (el.dataset.tiles) {  // MAP_TILES setting; empty: no background tiles (offline, tests)
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    }).addTo(map);
  }
  var marker = L.marker([lat, lng]).addTo(map);
  if (el.dataset.label) { var span = document.createElement("span"); span.textContent = el.dataset.label; marker.bindTooltip(span); }
})();
