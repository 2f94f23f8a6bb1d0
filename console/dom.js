// Building the page from API data: every value goes in as text, never as markup, so a hostile
// headline is shown, never run.

/** An element with attributes (on* handlers as functions) and children (nodes or text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `node` holds. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A small line chart of `values` (the last ones drawn), as SVG. */
export function sparkline(values) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 90 24');
  if (values.length > 1) {
    const min = Math.min(...values), max = Math.max(...values);
    const span = max - min || 1;
    const points = values.map((v, i) =>
      `${(i * 90 / (values.length - 1)).toFixed(1)},${(22 - (v - min) * 20 / span).toFixed(1)}`);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(line);
  }
  return svg;
}

/** `draw` wrapped to run at most once per frame, however often it is asked for: a burst of
 * stream events costs one redraw. */
export function once_per_frame(draw) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  };
}

/** "3 min ago" style age of an RFC 3339 time, or "". */
export function age(time, t) {
  if (!time) return '';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (seconds < 90) return t('secondsAgo', seconds);
  if (seconds < 5400) return t('minutesAgo', Math.round(seconds / 60));
  return t('hoursAgo', Math.round(seconds / 3600));
}

/** A local date and time for an RFC 3339 time. */
export function when(time) {
  return time ? new Date(time).toLocaleString() : '';
}

/** A number for people: at most three significant decimals. */
export function figure(value) {
  if (value === null || value === undefined) return '–';
  return Number.isInteger(value) ? String(value) : Number(value).toPrecision(4).replace(/\.?0+$/, '');
}
