// Map: each node's area (its boundary, else its position) coloured by the worst alert in force
// over it, with open incidents and cameras as markers. Tiles only when the deployment sets a
// tile URL; otherwise, or without the map library, a plain map.
import { api } from './api.js';
import { el, fill, when } from './dom.js';
import { t } from './i18n.js';

const RANK = { Minor: 1, Moderate: 2, Severe: 3, Extreme: 4 };
const COLOUR = { 0: '#5d6d7e', 1: '#f4d03f', 2: '#e67e22', 3: '#c0392b', 4: '#7b241c' };
const OPEN = new Set(['reported', 'acknowledged', 'dispatched']);

// The worst active alert rank over each node: an alert covers the nodes it names and all below.
function worst_by_node(nodes, alerts) {
  const parent = new Map(nodes.map((f) => [f.properties.node, f.properties.parent]));
  const out = new Map();
  for (const a of alerts) {
    const covered = new Set(a.areas || [a.area]);
    for (const node of parent.keys()) {
      for (let n = node; n; n = parent.get(n)) {
        if (covered.has(n)) { out.set(node, Math.max(out.get(node) || 0, RANK[a.severity] || 0)); break; }
      }
    }
  }
  return out;
}

function create(container, app) {
  const canvas = el('div', { id: 'map-canvas' });
  const note = el('p', { class: 'muted' });
  const legend = el('div', { class: 'legend' },
    Object.entries(RANK).map(([name, rank]) =>
      el('span', {}, el('span', { class: `sev ${name}` }), `${name} (${t('worstAlert')})`)));
  fill(container, note, canvas, legend);
  let alive = true, timer = null, map = null, layers = null;

  async function load() {
    try {
      const [geo, alerts, incidents] = await Promise.all([
        api.get('/api/v1/map'),
        api.get('/api/v1/alerts?active=true&limit=10000'),
        api.get('/api/v1/incidents?limit=10000'),
      ]);
      if (!alive) return;
      const nodes = geo.features.filter((f) => f.properties.node);
      const cameras = geo.features.filter((f) => f.properties.camera);
      const worst = worst_by_node(nodes, alerts.items);
      const open = incidents.items.filter((i) => OPEN.has(i.status) && i.location?.lat != null);
      if (window.L) draw_leaflet(nodes, cameras, worst, open);
      else draw_plain(nodes, cameras, worst, open);
    } catch (err) {
      app.notify(err.message);
    }
  }

  function draw_leaflet(nodes, cameras, worst, open) {
    const L = window.L;
    if (!map) {
      map = L.map(canvas, { zoomControl: true });
      const tiles = app.session.map.tiles;
      if (tiles) L.tileLayer(tiles, { attribution: app.session.map.attribution || '' }).addTo(map);
      note.textContent = tiles ? '' : t('plainMap');
    }
    layers?.remove();
    layers = L.layerGroup().addTo(map);
    const areas = L.geoJSON({ type: 'FeatureCollection', features: nodes }, {
      style: (f) => ({ color: '#1f618d', weight: 1, fillOpacity: 0.45, fillColor: COLOUR[worst.get(f.properties.node) || 0] }),
      pointToLayer: (f, at) => L.circleMarker(at, { radius: 8 }),
      onEachFeature: (f, layer) => layer.bindTooltip(document.createTextNode(f.properties.node)),
    }).addTo(layers);
    for (const i of open) {
      L.circleMarker([i.location.lat, i.location.lon], { radius: 6, color: '#17202a', fillColor: '#c0392b', fillOpacity: 0.9 })
        .bindPopup(el('div', { class: 'incident-popup' }, el('strong', {}, i.title), el('br'),
          `${i.domain} · ${i.severity} · ${i.status}`, el('br'), when(i.created)))
        .addTo(layers);
    }
    for (const c of cameras) {
      const [lon, lat] = c.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 4, color: '#1e8449' })
        .bindTooltip(document.createTextNode(`${t('camera')} ${c.properties.camera}`)).addTo(layers);
    }
    const bounds = areas.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  }

  // Without the map library: the same shapes on a plain equirectangular SVG.
  function draw_plain(nodes, cameras, worst, open) {
    note.textContent = t('noMapLibrary');
    const points = [];
    const walk = (c) => (typeof c[0] === 'number' ? points.push(c) : c.forEach(walk));
    for (const f of [...nodes, ...cameras]) walk(f.geometry.coordinates);
    for (const i of open) points.push([i.location.lon, i.location.lat]);
    if (!points.length) return fill(canvas);
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max(x1 - x0, y1 - y0) || 0.01;
    const xy = ([lon, lat]) => [((lon - x0) / span) * 900 + 50, ((y1 - lat) / span) * 500 + 30];
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 1000 560');
    svg.setAttribute('width', '100%');
    svg.setAttribute('height', '100%');
    const add = (tag, attrs, title) => {
      const node = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (title) { const tt = document.createElementNS(ns, 'title'); tt.textContent = title; node.append(tt); }
      svg.append(node);
    };
    const ring = (r) => `M${r.map((p) => xy(p).join(',')).join('L')}Z`;
    for (const f of nodes) {
      const g = f.geometry, fillc = COLOUR[worst.get(f.properties.node) || 0];
      if (g.type === 'Point') { const [x, y] = xy(g.coordinates); add('circle', { cx: x, cy: y, r: 8, fill: fillc }, f.properties.node); continue; }
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      add('path', { d: polys.map((p) => p.map(ring).join('')).join(''), fill: fillc, 'fill-opacity': 0.45, stroke: '#1f618d' }, f.properties.node);
    }
    for (const i of open) { const [x, y] = xy([i.location.lon, i.location.lat]); add('circle', { cx: x, cy: y, r: 5, fill: '#c0392b' }, i.title); }
    for (const c of cameras) { const [x, y] = xy(c.geometry.coordinates); add('circle', { cx: x, cy: y, r: 3, fill: '#1e8449' }, c.properties.camera); }
    fill(canvas, svg);
  }

  const soon = () => { clearTimeout(timer); timer = setTimeout(load, 250); };
  // The library loads deferred: wait for it if the page has just opened.
  if (document.readyState === 'complete') load(); else window.addEventListener('load', load, { once: true });
  return {
    on_event: (m) => { if (m.type === 'alert' || m.type === 'incident') soon(); },
    leave: () => { alive = false; clearTimeout(timer); map?.remove(); },
  };
}

export default { create };
