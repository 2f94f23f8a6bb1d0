// The operations console: signs in with a token kept for this tab only, opens the node's live
// stream and shows one view at a time. Each view loads what it shows once, then follows the
// stream; nothing polls.
import { api, ApiError, open_stream, token } from './api.js';
import { fill } from './dom.js';
import { current_language, set_language, t } from './i18n.js';
import overview from './view-overview.js';
import map from './view-map.js';
import alerts from './view-alerts.js';
import incidents from './view-incidents.js';
import requests from './view-requests.js';
import federation from './view-federation.js';

const views = { overview, map, alerts, incidents, requests, federation };
const $ = (id) => document.getElementById(id);

const app = {
  session: null,
  stream: null,
  view: null,
  /** Shows a notice above the view (a federation notice, a lost stream). */
  notify(text) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = !text;
  },
};

async function sign_in(candidate) {
  const session = await api.session(candidate);
  token.set(candidate);
  app.session = session;
  set_language(sessionStorage.getItem('ioc.language') || session.language);
  $('language').value = current_language();
  $('node-name').textContent = `${session.node} (${session.kind})`;
  $('title').textContent = session.federation;
  $('who').textContent = `${session.name} · ${session.role}`;
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  let was_down = false;
  app.stream = open_stream(on_message, (up) => {
    // Back after a break: what the stream missed is loaded again.
    if (up && was_down) show($('view').dataset.view || 'overview');
    was_down = !up;
    const live = $('live');
    live.className = `live ${up ? 'on' : 'off'}`;
    live.dataset.i18n = up ? 'live' : 'offline';
    live.textContent = t(live.dataset.i18n);
  });
  show(location.hash.slice(1) || 'overview');
}

function sign_out() {
  app.stream?.close();
  app.stream = null;
  app.view?.leave?.();
  app.view = null;
  app.session = null;
  token.clear();
  fill($('view'));
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('node-name').textContent = '';
  $('sign-in').hidden = false;
  $('token').value = '';
}

function on_message(message) {
  if (message.type === 'notice' && message.data?.text) app.notify(message.data.text);
  app.view?.on_event?.(message);
}

function show(name) {
  if (!app.session) return;
  const view = views[name] ? name : 'overview';
  app.view?.leave?.();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
  const container = fill($('view'));
  container.dataset.view = view;
  app.view = views[view].create(container, app);
}

$('sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('sign-in-error').textContent = '';
  try {
    await sign_in($('token').value.trim());
  } catch (err) {
    $('sign-in-error').textContent = err instanceof ApiError && err.status === 401 ? t('badToken') : err.message;
  }
});
$('sign-out').addEventListener('click', sign_out);
$('language').addEventListener('change', (e) => {
  sessionStorage.setItem('ioc.language', e.target.value);
  set_language(e.target.value);
  show(app.view ? $('view').dataset.view : 'overview');
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));

set_language(sessionStorage.getItem('ioc.language') || document.documentElement.lang);
$('language').value = current_language();
if (token.get()) sign_in(token.get()).catch(() => sign_out());
