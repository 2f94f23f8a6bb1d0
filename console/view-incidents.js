// Incidents: a queue with the filters operators ask by, and the detail of one: its history with
// the grant behind each step, and a button for each action, enabled only for those this
// operator may take (the node says which, and why not for the others).
import { api, query } from './api.js';
import { el, fill, when } from './dom.js';
import { t } from './i18n.js';

const MAX = 2000;  // rows kept; a live update of one not listed is added at the top
const STATUSES = ['reported', 'acknowledged', 'dispatched', 'resolved', 'closed', 'cancelled'];
const SEVERITIES = ['minor', 'moderate', 'severe', 'extreme'];

function create(container, app) {
  const select_of = (name, values) => el('label', {}, t(name),
    el('select', { name }, el('option', { value: '' }, t('any')), values.map((v) => el('option', { value: v }, v))));
  const input_of = (name, type = 'text') => el('label', {}, t(name), el('input', { name, type }));
  const filters = el('form', { class: 'filters', id: 'incident-filters' },
    select_of('status', STATUSES), select_of('severity', SEVERITIES),
    input_of('area'), input_of('origin'), input_of('owner'), input_of('from', 'datetime-local'),
    el('button', { type: 'submit' }, t('filter')));
  const list = el('tbody');
  const detail = el('div', { class: 'card', id: 'incident-detail' }, t('noIncident'));
  fill(container, filters, el('div', { class: 'split' },
    el('table', { id: 'incident-list' },
      el('thead', {}, el('tr', {}, [t('severity'), t('title'), t('domain'), t('area'), t('owner'), t('status'), t('created')]
        .map((h) => el('th', {}, h)))),
      list),
    detail));
  const incidents = new Map();
  let alive = true, selected = null, params = {};

  function row(i) {
    return el('tr', { class: 'selectable', dataset: { id: i.id }, onclick: () => select(i.id) },
      el('td', {}, el('span', { class: `sev ${i.severity}` }), i.severity),
      el('td', {}, i.title || i.id), el('td', {}, i.domain), el('td', {}, i.area),
      el('td', {}, i.owner), el('td', { class: 'status' }, i.status), el('td', {}, when(i.created)));
  }
  const matches = (i) => (!params.status || i.status === params.status) && (!params.severity || i.severity === params.severity) &&
    (!params.origin || i.origin === params.origin) && (!params.owner || i.owner === params.owner);
  const draw = () => fill(list, [...incidents.values()].reverse().map(row));
  // One incident changed: its row alone is replaced and moved to the top (newest first), and the
  // oldest dropped past the cap, so an event costs one row however long the list.
  function put(i) {
    const known = incidents.get(i.id);
    const next = { ...known, ...i };
    incidents.delete(i.id);
    incidents.set(i.id, next);
    list.querySelector(`tr[data-id="${CSS.escape(i.id)}"]`)?.remove();
    list.prepend(row(next));
    while (incidents.size > MAX) {
      const oldest = incidents.keys().next().value;
      incidents.delete(oldest);
      list.querySelector(`tr[data-id="${CSS.escape(oldest)}"]`)?.remove();
    }
  }

  async function load() {
    try {
      const page = await api.get(`/api/v1/incidents${query({ ...params, limit: MAX })}`);
      if (!alive) return;
      incidents.clear();
      for (const i of page.items) incidents.set(i.id, i);
      draw();
    } catch (err) {
      app.notify(err.field ? `${err.field}: ${err.message}` : err.message);
    }
  }

  const result = el('p', { class: 'result', id: 'action-result', role: 'status' });
  async function act(id, action) {
    result.className = 'result';
    result.textContent = '';
    try {
      const answer = await api.post(`/api/v1/incidents/${encodeURIComponent(id)}/actions`, { action });
      result.className = 'result ok';
      result.textContent = answer.command ? t('sentTo', answer.via || answer.incident?.owner || '') : t('done', t(action));
      select(id);
    } catch (err) {
      result.className = 'result failed';
      result.textContent = t('failed', err.message);
    }
  }

  async function select(id) {
    selected = id;
    let i;
    try {
      i = await api.get(`/api/v1/incidents/${encodeURIComponent(id)}`);
    } catch (err) {
      return fill(detail, err.message);
    }
    if (!alive || selected !== id) return;
    const field = (label, value) => el('tr', {}, el('th', {}, label), el('td', {}, value ?? ''));
    fill(detail,
      el('h3', {}, i.title || i.id),
      el('table', {},
        field(t('status'), i.status), field(t('severity'), i.severity), field(t('domain'), i.domain),
        field(t('area'), i.area), field(t('origin'), i.origin), field(t('owner'), i.owner),
        field(t('address'), i.location?.address),
        field(t('camera'), i.location?.camera ? `${i.location.camera.id} ${i.location.camera.stream}` : ''),
        field(t('created'), when(i.created))),
      el('h4', {}, t('history')),
      el('table', { class: 'history' },
        el('thead', {}, el('tr', {}, [t('when'), t('action'), t('actor'), t('grant'), t('note')].map((h) => el('th', {}, h)))),
        el('tbody', {}, (i.history || []).map((h) => el('tr', {},
          el('td', {}, when(h.at)), el('td', {}, h.action), el('td', {}, h.actor), el('td', {}, h.grant || ''), el('td', {}, h.note || ''))))),
      el('h4', {}, t('actions')),
      el('div', { class: 'actions' }, (i.actions || []).map((c) => el('div', { class: 'action', dataset: { action: c.action } },
        el('button', { type: 'button', disabled: !c.allowed, onclick: () => act(i.id, c.action) }, t(c.action)),
        el('span', { class: 'why' }, c.allowed ? (c.decidedBy ? t('decidedBy', c.decidedBy) : c.grant || '')
          : `${t('notAllowed')}: ${c.reason}`)))),
      result);
  }

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(filters);
    params = {};
    for (const key of ['status', 'severity', 'area', 'origin', 'owner']) if (f.get(key)) params[key] = f.get(key);
    if (f.get('from')) params.from = new Date(f.get('from')).toISOString();
    load();
  });
  load();
  return {
    on_event: (m) => {
      if (m.type !== 'incident' && m.type !== 'notice') return;
      const i = m.data;  // an incident, or a notice about one (a link notice has no id)
      if (!i?.id) return;
      const known = incidents.get(i.id);
      if (known || matches(i)) {
        put(i);
      }
      if (selected === i.id) select(i.id);
    },
    leave: () => { alive = false; },
  };
}

export default { create };
