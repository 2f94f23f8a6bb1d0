// Citizen requests (Open311): each with its service, area and whether it is within its SLA.
import { api } from './api.js';
import { el, fill, once_per_frame, when } from './dom.js';
import { t } from './i18n.js';

const MAX = 1000;

function sla(r) {
  const due = Date.parse(r.expected_datetime);
  if (r.status === 'closed') return Date.parse(r.closed_datetime) <= due ? t('closedOnTime') : t('closedLate');
  return Date.now() > due ? t('overdue') : t('onTrack');
}

function create(container, app) {
  const list = el('tbody');
  fill(container, el('table', { id: 'request-list' },
    el('thead', {}, el('tr', {}, [t('service'), t('area'), t('status'), t('requested'), t('expected'), t('sla'), t('description')]
      .map((h) => el('th', {}, h)))),
    list));
  const requests = new Map();
  let alive = true;
  const draw = () => fill(list, [...requests.values()].reverse().map((r) => el('tr', { dataset: { id: r.service_request_id } },
    el('td', {}, r.service_name || r.service_code), el('td', {}, r.area), el('td', {}, r.status),
    el('td', {}, when(r.requested_datetime)), el('td', {}, when(r.expected_datetime)),
    el('td', { class: 'sla' }, sla(r)), el('td', {}, r.description))));
  const redraw = once_per_frame(draw);
  const keep = (r) => {
    requests.delete(r.service_request_id);
    requests.set(r.service_request_id, r);
    while (requests.size > MAX) requests.delete(requests.keys().next().value);
  };
  api.get('/open311/v2/requests.json').then((items) => {
    if (!alive) return;
    for (const r of items) keep(r);
    draw();
  }).catch((err) => app.notify(err.message));
  return {
    on_event: (m) => { if (m.type === 'service-request') { keep(m.data); redraw(); } },
    leave: () => { alive = false; },
  };
}

export default { create };
