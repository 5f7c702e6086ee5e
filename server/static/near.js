// Draws the /near map from the data-* attributes of #map: the point asked about and the places found.
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.long);
  if (isNaN(lat) || isNaN(lng)) { return; }
  L.Icon.Default.imagePath = document.querySelector("script[src$='leaflet.js']").src.replace(/leaflet\.js$/, "images/");
  var map = L.map(el).setView([lat, lng], 15);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    }).addTo(map);
  }
  L.circleMarker([lat, lng], {radius: 6}).addTo(map);
  var points = [];
  try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) { points = []; }
  var bounds = [[lat, lng]];
  points.forEach(function (p) {
    var marker = L.marker([p[0], p[1]]).addTo(map);
    if (p[2]) { var span = document.createElement("span"); span.textContent = p[2]; marker.bindTooltip(span); }
    bounds.push([p[0], p[1]]);
  });
  if (bounds.length > 1) { map.fitBounds(bounds, {padding: [20, 20]}); }
})();
