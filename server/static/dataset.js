// Draws the map of a dataset page: the points of its records, fetched from data-points ([[lat, long, name, IRI], ...]).
(function () {
  var el = document.getElementById("dataset-map");
  if (!el || typeof L === "undefined" || !el.dataset.points) { return; }
  var map = L.map(el).setView([36.0, 138.0], 5);  // Japan, until the points are known
  if (el.dataset.tiles) {  // MAP_TILES setting; empty: no background tiles (offline, tests)
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    }).addTo(map);
  }
  fetch(el.dataset.points, {headers: {"Accept": "application/json"}}).then(function (response) {
    if (!response.ok) { throw new Error("points: " + response.status); }
    return response.json();
  }).then(function (points) {
    if (!points.length) { el.hidden = true; return; }
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p[0], p[1]], {radius: 5, weight: 1, className: "record-marker"}).addTo(map);
      var link = document.createElement(/^https?:\/\//.test(p[3]) ? "a" : "span");
      link.textContent = p[2] || p[3];
      if (link.tagName === "A") { link.href = p[3]; }
      marker.bindPopup(link);
      bounds.push([p[0], p[1]]);
    });
    map.fitBounds(bounds, {padding: [20, 20], maxZoom: 16});
    el.dataset.markers = String(points.length);
  }).catch(function () { el.hidden = true; });
})();
