// The node's API as the console calls it: the token from this tab's session (never a URL), JSON
// in and out, errors with the API's message.

const KEY = 'ioc.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.field = body?.error?.field || null;
  }
}

async function call(method, path, body, accept = 'application/json', with_token = token.get()) {
  const headers = { Accept: accept };
  if (with_token) headers.Authorization = `Bearer ${with_token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (accept !== 'application/json') {
    if (!res.ok) throw new ApiError(res.status, null);
    return res.text();
  }
  const parsed = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body),
  text: (path, accept) => call('GET', path, undefined, accept),
  /** Checks a token before the tab keeps it. */
  session: (with_token) => call('GET', '/api/v1/session', undefined, 'application/json', with_token),
};

/** A query string from the set values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The live stream: calls `on_message` with each {type, data}, `on_state` with true/false as it
 * opens and closes, and reconnects with backoff until closed. The token travels as a WebSocket
 * subprotocol, so it stays out of URLs and logs.
 */
export function open_stream(on_message, on_state) {
  let socket = null, closed = false, delay = 500, timer = null;
  const connect = () => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/stream`, ['ioc.v1', `ioc.bearer.${token.get()}`]);
    socket.onopen = () => { delay = 500; on_state(true); };
    socket.onmessage = (e) => {
      try { on_message(JSON.parse(e.data)); } catch (err) { console.error('stream message', err); }
    };
    socket.onclose = () => {
      on_state(false);
      if (!closed) timer = setTimeout(connect, delay = Math.min(delay * 2, 10000));
    };
  };
  connect();
  return { close: () => { closed = true; clearTimeout(timer); socket?.close(); } };
}
