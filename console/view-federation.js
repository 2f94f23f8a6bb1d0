// Federation: the tree with each link's state, lag, protocol and policy versions, and the
// entries this node set aside.
import { api } from './api.js';
import { age, el, fill, when } from './dom.js';
import { t } from './i18n.js';

function create(container, app) {
  let alive = true, timer = null;

  function node_line(n) {
    const link = n.link;
    const state = n.self ? null : link?.state;
    return el('span', { dataset: { node: n.id } },
      el('strong', {}, n.id), ` (${n.kind}) `,
      n.self ? el('span', { class: 'muted' }, t('self')) : null,
      state ? el('span', { class: `state ${state}` }, t(state)) : null,
      link?.relayed ? el('span', { class: 'state relayed' }, t('relayed')) : null, ' ',
      el('span', { class: 'muted' },
        [link?.lagSeconds != null ? `${t('lag')} ${link.lagSeconds} s` : '',
          link?.lastSync ? `${t('lastSync')} ${age(link.lastSync, t)}` : '',
          link?.protocolVersion ? `${t('protocol')} ${link.protocolVersion}` : '',
          n.policyVersion ? `${t('policyVersion')} ${n.policyVersion}` : ''].filter(Boolean).join(' · ')));
  }

  function tree(nodes, parent) {
    const children = nodes.filter((n) => n.parent === parent);
    if (!children.length) return null;
    return el('ul', { class: 'tree' }, children.map((n) => el('li', {}, node_line(n), tree(nodes, n.id))));
  }

  async function load() {
    try {
      const f = await api.get('/api/v1/federation');
      if (!alive) return;
      const root = f.nodes.find((n) => !n.parent);
      fill(container,
        el('div', { class: 'card', id: 'federation-tree' }, el('ul', { class: 'tree' }, el('li', {}, node_line(root), tree(f.nodes, root.id)))),
        el('h3', {}, `${t('quarantine')}: ${f.quarantine.total}`),
        el('table', { id: 'quarantine' },
          el('thead', {}, el('tr', {}, [t('when'), t('origin'), 'seq', 'type', t('via'), t('reason')].map((h) => el('th', {}, h)))),
          el('tbody', {}, f.quarantine.recent.map((q) => el('tr', {},
            el('td', {}, when(q.at)), el('td', {}, q.origin), el('td', {}, q.seq), el('td', {}, q.type),
            el('td', {}, q.via || ''), el('td', {}, q.reason))))));
    } catch (err) {
      app.notify(err.message);
    }
  }
  load();
  return {
    on_event: (m) => { if (m.type === 'summary' || m.type === 'notice') { clearTimeout(timer); timer = setTimeout(load, 250); } },
    leave: () => { alive = false; clearTimeout(timer); },
  };
}

export default { create };
