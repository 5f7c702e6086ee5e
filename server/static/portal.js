// The portal's map: every record with coordinates the page's query finds, clustered (Leaflet.markercluster).
// Points come from the URL in #portal-map's data-points ([lat, long, kind, name, href] each); no inline data.
(function () {
  var el = document.getElementById("portal-map");
  if (!el || typeof L === "undefined" || typeof L.markerClusterGroup === "undefined") { return; }
  var note = document.getElementById("portal-map-note");
  L.Icon.Default.imagePath = el.dataset.images;
  var map = L.map(el, { maxZoom: 19 }).setView([36.2, 138.25], 5);  // Japan, until the points are known; clusters need a maxZoom
  if (el.dataset.tiles) {  // MAP_TILES setting; empty: no background tiles (offline, tests)
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    }).addTo(map);
  }
  var cluster = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 60 });
  map.addLayer(cluster);

  function popup(point, kinds) {
    var box = document.createElement("span");
    var name = point[3] || "…";
    if (point[4]) {
      var link = document.createElement("a");
      link.href = point[4];
      link.textContent = name;
      box.appendChild(link);
    } else {
      box.textContent = name;
    }
    var kind = document.createElement("small");
    kind.textContent = " " + (kinds[point[2]] || "");
    box.appendChild(document.createElement("br"));
    box.appendChild(kind);
    return box;
  }

  fetch(el.dataset.points, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      var markers = data.points.map(function (point) {
        return L.marker([point[0], point[1]]).bindPopup(popup(point, data.kinds));
      });
      cluster.addLayers(markers);
      el.dataset.shown = String(data.shown);
      el.dataset.total = String(data.total);
      if (markers.length) {
        map.fitBounds(cluster.getBounds(), { maxZoom: 15, padding: [20, 20] });
      }
      if (note) {
        note.textContent = data.total > data.shown
          ? "地図には " + data.total + " 件のうち " + data.shown + " 件を表示しています / The map shows " + data.shown + " of " + data.total + " records."
          : data.total + " 件を地図に表示しています / " + data.total + " records on the map.";
      }
    })
    .catch(function () {
      el.dataset.error = "1";
      if (note) { note.textContent = "地図のデータを読めませんでした / The map's points could not be loaded."; }
    });
})();
