// Overview: the node's figures and a tile per child with its freshness and key figures, redrawn
// when the stream says something changed.
import { api } from './api.js';
import { age, el, figure, fill, sparkline } from './dom.js';
import { t } from './i18n.js';

const MAX_TILES = 60;     // beyond, tiles are searched for (a national root has thousands)
const FIGURES_UP_TO = 60; // children whose figures are loaded each; beyond, freshness only
const HISTORY = 30;       // points per sparkline

const OPEN = ['reported', 'acknowledged', 'dispatched'];

function create(container, app) {
  const kpis = el('div', { class: 'kpis' });
  const counts = el('p', { class: 'muted' });
  const search = el('input', { type: 'search', placeholder: t('search'), 'aria-label': t('search') });
  const tiles = el('div', { class: 'tiles', id: 'child-tiles' });
  fill(container, kpis, el('h2', {}, t('children')), el('div', { class: 'filters' }, search, counts), tiles);
  const history = new Map();  // child -> metric -> [means]
  let last = null, timer = null, alive = true;

  const kpi = (label, value, id) =>
    el('div', { class: 'card kpi', id }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));

  function draw() {
    if (!last) return;
    const [summary, active] = last;
    const by = summary.incidents.byStatus || {};
    const open = OPEN.reduce((n, s) => n + (by[s] || 0), 0);
    const readings = Object.values(summary.metrics || {}).reduce((n, m) => n + m.count, 0);
    const ratio = summary.serviceRequests.onTimeRatio;
    fill(kpis,
      kpi(t('openIncidents'), open, 'kpi-incidents'),
      kpi(t('activeAlerts'), active, 'kpi-alerts'),
      kpi(t('openRequests'), summary.serviceRequests.open, 'kpi-requests'),
      kpi(t('onTime'), ratio === null || ratio === undefined ? '–' : `${Math.round(ratio * 100)}%`, 'kpi-on-time'),
      kpi(t('readings'), readings, 'kpi-readings'));
    const children = summary.byChild || summary.children || [];
    const states = {};
    for (const c of children) states[c.state] = (states[c.state] || 0) + 1;
    const needle = search.value.trim().toLowerCase();
    const shown = children.filter((c) => !needle || c.node.toLowerCase().includes(needle)).slice(0, MAX_TILES);
    counts.textContent = `${t('shown', shown.length, children.length)} · ` +
      Object.entries(states).map(([s, n]) => `${t(s)}: ${n}`).join(' · ');
    fill(tiles, shown.map(tile));
  }

  function tile(child) {
    const figures = Object.entries(child.metrics || {}).slice(0, 4).map(([name, m]) => {
      const points = history.get(child.node)?.get(name) || [];
      return el('div', { class: 'figure' }, el('span', {}, name), el('strong', {}, figure(m.mean)), sparkline(points));
    });
    const incidents = child.incidents?.total ?? 0;
    return el('div', { class: 'card tile', dataset: { node: child.node, state: child.state } },
      el('h3', {}, child.node),
      el('span', { class: `state ${child.state}` }, t(child.state)), ' ',
      el('span', { class: 'muted' },
        `${t('lag')} ${child.lagSeconds == null ? '–' : child.lagSeconds.toFixed(1)} s · ${child.complete ? t('complete') : t('incomplete')}`,
        child.lostRanges?.length ? ` · ${t('lostRanges')}: ${child.lostRanges.length}` : '',
        child.lastSync ? ` · ${t('lastSync')} ${age(child.lastSync, t)}` : ''),
      el('div', { class: 'muted' }, `${t('incidents')}: ${incidents}`),
      figures);
  }

  function remember(children) {
    for (const c of children) {
      let metrics = history.get(c.node);
      if (!metrics) history.set(c.node, metrics = new Map());
      for (const [name, m] of Object.entries(c.metrics || {})) {
        const points = metrics.get(name) || [];
        points.push(m.mean);
        if (points.length > HISTORY) points.shift();
        metrics.set(name, points);
      }
    }
    // Children no longer listed are forgotten: memory follows the tree, not the time open.
    const listed = new Set(children.map((c) => c.node));
    for (const node of history.keys()) if (!listed.has(node)) history.delete(node);
  }

  async function load() {
    try {
      // A node with thousands of children shows their freshness, not each one's figures.
      const by_child = app.session.children <= FIGURES_UP_TO ? '&by=child' : '';
      const [summary, alerts] = await Promise.all([
        api.get(`/api/v1/summary?window=15m${by_child}`),
        api.get('/api/v1/alerts?active=true&limit=10000'),
      ]);
      if (!alive) return;
      remember(summary.byChild || summary.children || []);
      last = [summary, alerts.items.length];
      draw();
    } catch (err) {
      app.notify(err.message);
    }
  }

  // Many events in a burst cost one reload.
  const soon = () => { clearTimeout(timer); timer = setTimeout(load, 250); };
  search.addEventListener('input', draw);
  load();
  return {
    on_event: (m) => { if (['summary', 'alert', 'incident', 'service-request', 'notice'].includes(m.type)) soon(); },
    leave: () => { alive = false; clearTimeout(timer); },
  };
}

export default { create };
