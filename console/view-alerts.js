// Alerts: those in force and the last day's, each with its CAP details and XML; the form to
// issue, update or cancel one (shown to roles that may act; the node still decides each).
import { api, query } from './api.js';
import { el, fill, once_per_frame, when } from './dom.js';
import { t } from './i18n.js';

const MAX = 500;  // alerts kept in the list; the oldest go first

const CHOICES = {
  category: ['Met', 'Geo', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'],
  urgency: ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'],
  severity: ['Extreme', 'Severe', 'Moderate', 'Minor'],
  certainty: ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'],
  domain: ['flood', 'traffic', 'environment', 'public-order', 'fire-rescue', 'health', 'education',
    'trade', 'tourism', 'citizen-feedback', 'cybersecurity', 'online-information', 'socio-economic',
    'government-performance'],
  scope: ['Public', 'Restricted'],
};

function create(container, app) {
  const mode = el('select', { 'aria-label': t('alerts') },
    el('option', { value: 'active' }, t('activeOnly')), el('option', { value: 'recent' }, t('recent')));
  const list = el('tbody');
  const detail = el('div', { class: 'card', id: 'alert-detail' }, t('noAlert'));
  const form_box = el('div');
  fill(container,
    el('div', { class: 'filters' }, mode),
    el('div', { class: 'split' },
      el('div', {}, el('table', { id: 'alert-list' },
        el('thead', {}, el('tr', {}, el('th', {}, t('severity')), el('th', {}, t('headline')),
          el('th', {}, t('sender')), el('th', {}, t('areas')), el('th', {}, t('sent')), el('th', {}, t('status')))),
        list)),
      el('div', {}, detail, form_box)));
  const alerts = new Map();  // identifier -> alert, newest last
  let alive = true, selected = null, form = null, updating = null;

  function row(a) {
    return el('tr', { class: 'selectable', dataset: { id: a.identifier }, onclick: () => select(a.identifier) },
      el('td', {}, el('span', { class: `sev ${a.severity}` }), a.severity),
      el('td', {}, a.headline),
      el('td', {}, a.sender),
      el('td', {}, (a.areas || []).join(', ')),
      el('td', {}, when(a.sent)),
      el('td', {}, a.active ? t('activeOnly') : a.msgType));
  }

  function draw() {
    const shown = [...alerts.values()].filter((a) => mode.value === 'recent' || a.active).reverse();
    fill(list, shown.map(row));
  }
  const redraw = once_per_frame(draw);

  async function select(id) {
    selected = id;
    const a = alerts.get(id);
    if (!a) return;
    const field = (label, value) => el('tr', {}, el('th', {}, label), el('td', {}, value ?? ''));
    const xml = el('pre', { class: 'xml', id: 'cap-xml' });
    fill(detail,
      el('h3', {}, a.headline),
      el('table', {},
        field(t('event'), a.event), field(t('sender'), a.sender), field(t('sent'), when(a.sent)),
        field(t('severity'), a.severity), field(t('urgency'), a.urgency), field(t('certainty'), a.certainty),
        field(t('category'), a.category), field(t('scope'), a.scope), field(t('status'), `${a.status} · ${a.msgType}`),
        field(t('areas'), (a.areas || []).join(', ')), field(t('expires'), when(a.expires)),
        field(t('description'), a.description), field(t('instruction'), a.instruction),
        field(t('language'), [a.language, ...(a.translations || []).map((x) => x.language)].join(', '))),
      (a.translations || []).map((x) => el('p', { class: 'muted' }, `${x.language}: ${x.headline}`)),
      el('h4', {}, t('capXml')), xml);
    if (app.session.mayAct && a.sender === app.session.node && a.active) {
      detail.append(el('div', { class: 'actions' },
        el('button', { type: 'button', id: 'update-alert', onclick: () => start_update(a) }, t('updateAlert')),
        el('button', { type: 'button', id: 'cancel-alert', onclick: () => send({ msgType: 'Cancel', references: a.identifier }) }, t('cancelAlert'))));
    }
    try {
      xml.textContent = await api.text(`/api/v1/alerts/${encodeURIComponent(id)}`, 'application/cap+xml');
    } catch (err) {
      xml.textContent = err.message;
    }
  }

  const result = el('p', { class: 'result', id: 'alert-result', role: 'status' });
  async function send(body) {
    result.className = 'result';
    result.textContent = '';
    try {
      const a = await api.post('/api/v1/alerts', body);
      keep(a);
      draw();
      select(a.identifier);
      result.className = 'result ok';
      result.textContent = t('done', `${a.msgType} ${a.identifier}`);
      return true;
    } catch (err) {
      result.className = 'result failed';
      result.textContent = t('failed', err.field ? `${err.field}: ${err.message}` : err.message);
      return false;
    }
  }

  // The form, filled from an alert this node issued, sends an Update of it.
  function start_update(a) {
    if (!form) return;
    updating = a.identifier;
    for (const key of ['event', 'headline', 'description', 'instruction', 'severity', 'urgency',
      'certainty', 'category', 'domain', 'scope', 'language']) {
      if (form.elements[key] && a[key]) form.elements[key].value = a[key];
    }
    for (const option of form.elements.areas.options) option.selected = (a.areas || []).includes(option.value);
    form.querySelector('h3').textContent = `${t('updateAlert')}: ${a.identifier}`;
    form.querySelector('button[type=submit]').textContent = t('updateAlert');
  }

  function alert_form(nodes) {
    const choice = (name, value) => el('label', {}, t(name),
      el('select', { name }, CHOICES[name].map((c) => el('option', { value: c, selected: c === value }, c))));
    const text = (name, label, required) => el('label', {}, t(label), el('input', { name, required }));
    const area = el('select', { name: 'areas', multiple: true, size: Math.min(8, nodes.length) },
      nodes.map((n) => el('option', { value: n }, n)));
    form = el('form', { class: 'alert-form card', id: 'alert-form' },
      el('h3', {}, t('issueAlert')),
      text('event', 'event', true), text('headline', 'headline', true),
      el('label', {}, t('description'), el('textarea', { name: 'description', rows: 3 })),
      text('instruction', 'instruction', false),
      choice('severity', 'Severe'), choice('urgency', 'Immediate'), choice('certainty', 'Likely'),
      choice('category', 'Met'), choice('domain', 'flood'), choice('scope', 'Public'),
      el('label', {}, t('areas'), area),
      el('label', {}, t('language'), el('select', { name: 'language' },
        el('option', { value: 'vi-VN' }, 'vi-VN'), el('option', { value: 'en-US' }, 'en-US'))),
      text('translationHeadline', 'translation', false),
      el('button', { type: 'submit' }, t('issue')), result);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const body = {};
      for (const key of ['event', 'headline', 'description', 'instruction', 'severity', 'urgency',
        'certainty', 'category', 'domain', 'scope', 'language']) if (f.get(key)) body[key] = f.get(key);
      body.areas = f.getAll('areas');
      const other = f.get('translationHeadline');
      if (other) body.translations = [{ language: body.language === 'en-US' ? 'vi-VN' : 'en-US', event: body.event, headline: other }];
      if (updating) Object.assign(body, { msgType: 'Update', references: updating });
      send(body).then((sent) => {
        if (!sent) return;
        updating = null;
        form.querySelector('h3').textContent = t('issueAlert');
        form.querySelector('button[type=submit]').textContent = t('issue');
      });
    });
    return form;
  }

  function keep(a) {
    alerts.delete(a.identifier);
    alerts.set(a.identifier, a);
    // Whatever an Update or Cancel replaces is out of force.
    for (const ref of a.references || []) {
      const old = alerts.get(ref.split(',')[1]);
      if (old) old.active = false;
    }
    while (alerts.size > MAX) alerts.delete(alerts.keys().next().value);
  }

  async function load() {
    try {
      const day = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
      const [active, recent, tree] = await Promise.all([
        api.get('/api/v1/alerts?active=true&limit=10000'),
        api.get(`/api/v1/alerts${query({ from: day, limit: MAX })}`),
        api.get('/api/v1/federation'),
      ]);
      if (!alive) return;
      for (const a of [...recent.items, ...active.items]) keep(a);
      draw();
      if (app.session.mayAct) {
        const below = tree.nodes.map((n) => n.id)
          .filter((id) => id === app.session.node || is_below(tree.nodes, id, app.session.node));
        fill(form_box, alert_form(below));
      }
    } catch (err) {
      app.notify(err.message);
    }
  }

  mode.addEventListener('change', draw);
  load();
  return {
    on_event: (m) => {
      if (m.type !== 'alert') return;
      keep(m.data);
      redraw();
      if (selected === m.data.identifier) select(selected);
    },
    leave: () => { alive = false; },
  };
}

function is_below(nodes, id, ancestor) {
  const parent = new Map(nodes.map((n) => [n.id, n.parent]));
  for (let n = parent.get(id); n; n = parent.get(n)) if (n === ancestor) return true;
  return false;
}

export default { create };
