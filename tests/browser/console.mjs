// Drives Debian's Chromium through the console of a real city node with a real district below it
// (started by tests/integration/console_test.cpp, which passes their addresses and tokens in
// IOC_CONSOLE as JSON). Prints one "ok:" line per check; exits 1 at the first failure. Every wait
// is for a condition, with a deadline.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const cfg = JSON.parse(process.env.IOC_CONSOLE);
const WAIT = { timeout: 15000 };
mkdirSync(cfg.screenshots, { recursive: true });

function check(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
  console.log(`ok: ${what}`);
}

async function call(node, method, path, body, token = node.token) {
  const res = await fetch(node.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function until(what, condition) {
  const deadline = Date.now() + WAIT.timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const browser = await chromium.launch({ executablePath: cfg.chromium, args: ['--no-sandbox'] });
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() === 404) errors.push(`404 ${r.url()}`); });
  const shot = (name) => page.screenshot({ path: `${cfg.screenshots}/${name}.png`, fullPage: true });

  // Sign-in: a wrong token is refused in the form; the right one opens the console and stays in
  // this tab's session storage, never in the address.
  const first = await page.goto(cfg.city.url + '/');
  check(/script-src 'self'/.test(first.headers()['content-security-policy'] || ''), 'the page has a strict CSP');
  check(await page.textContent('nav a[data-view=overview]') === 'Tổng quan', 'the console opens in the node\'s language (Vietnamese)');
  await page.selectOption('#language', 'en');
  check(await page.textContent('nav a[data-view=overview]') === 'Overview', 'switching to English');
  await page.fill('input[name=token]', 'not-a-token');
  await page.click('#sign-in button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#sign-in-error').textContent.length > 0, null, WAIT);
  check(await page.isVisible('#sign-in'), 'a wrong token is refused');
  await shot('sign-in');
  await page.fill('input[name=token]', cfg.city.token);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('#app:not([hidden])', WAIT);
  check(!page.url().includes(cfg.city.token), 'the token is not in the address');
  check(await page.evaluate(() => sessionStorage.getItem('ioc.token')) === cfg.city.token, 'the token is kept for this tab');
  await page.waitForSelector('#live.on', WAIT);
  check(true, 'the live stream is open');

  // Overview: the node's figures and the district's tile with its freshness.
  await page.waitForSelector('.tile[data-node="city/north"]', WAIT);
  check(await page.getAttribute('.tile[data-node="city/north"]', 'data-state') === 'fresh', 'the district is shown fresh');
  check((await page.textContent('#kpi-requests .value')) === String(cfg.expect.openRequests), 'the open requests figure is the node\'s');
  await shot('overview');

  // A district event appears live at the city: reported at the district, shown in the city's
  // open incidents view without a reload.
  await page.click('nav a[data-view=incidents]');
  await page.waitForSelector('#incident-list', WAIT);
  const reported = await call(cfg.north, 'POST', '/api/v1/incidents',
    { domain: 'flood', severity: 'moderate', area: 'city/north', title: 'Drain overflowing on Le Duan' });
  await page.waitForSelector(`#incident-list tr[data-id="${reported.id}"]`, WAIT);
  check(true, 'a district incident appears at the city live');

  // The city's operator dispatches it from the console; its owner, the district, applies it.
  await page.click(`#incident-list tr[data-id="${reported.id}"]`);
  await page.waitForSelector('.action[data-action=dispatch] button:not([disabled])', WAIT);
  await page.click('.action[data-action=dispatch] button');
  await page.waitForFunction(() => document.querySelector('#action-result')?.classList.contains('ok'), null, WAIT);
  await until('the district applies the dispatch', async () =>
    (await call(cfg.north, 'GET', `/api/v1/incidents/${reported.id}`)).status === 'dispatched');
  check(true, 'the owner applied the dispatch sent from the console');
  await page.waitForFunction((id) => document.querySelector(`#incident-list tr[data-id="${id}"] .status`)?.textContent === 'dispatched', reported.id, WAIT);
  // Refused now, with the reason shown beside the disabled button.
  await page.click(`#incident-list tr[data-id="${reported.id}"]`);
  await page.waitForFunction(() => document.querySelector('.action[data-action=dispatch] .why')?.textContent.includes('already dispatched'), null, WAIT);
  check(await page.isDisabled('.action[data-action=dispatch] button'), 'a refused action shows its reason');
  await shot('incidents');

  // A hostile headline is shown as text, never run.
  const hostile = '<img src=x onerror="window.__pwned=1">Flood <b>now</b>';
  const alert = await call(cfg.city, 'POST', '/api/v1/alerts', {
    category: 'Met', urgency: 'Immediate', severity: 'Severe', certainty: 'Likely', domain: 'flood',
    language: 'vi-VN', event: 'Lũ', headline: hostile, areas: ['city/north'],
    translations: [{ language: 'en-US', event: 'Flood', headline: 'Flood warning' }] });
  await page.click('nav a[data-view=alerts]');
  await page.waitForSelector(`#alert-list tr[data-id="${alert.identifier}"]`, WAIT);
  check(await page.textContent(`#alert-list tr[data-id="${alert.identifier}"] td:nth-child(2)`) === hostile, 'the hostile headline is shown as its text');
  check(await page.evaluate(() => document.querySelectorAll('#alert-list img, #alert-list b').length) === 0, 'no element was made from it');
  await page.click(`#alert-list tr[data-id="${alert.identifier}"]`);
  await page.waitForFunction(() => document.querySelector('#cap-xml')?.textContent.includes('<identifier>'), null, WAIT);
  check((await page.textContent('#cap-xml')).includes('&lt;img'), 'the CAP XML is shown, escaped');
  check(await page.evaluate(() => window.__pwned) === undefined, 'nothing ran');
  // Issued from the form, then cancelled from its detail.
  await page.fill('#alert-form input[name=event]', 'Ngập');
  await page.fill('#alert-form input[name=headline]', 'Ngập sâu đường Nguyễn Văn Linh');
  await page.selectOption('#alert-form select[name=areas]', ['city/north']);
  await page.click('#alert-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#alert-result')?.classList.contains('ok'), null, WAIT);
  check(true, 'an alert is issued from the form');
  await shot('alerts');
  // Updated from its detail (the form is filled from it), then cancelled.
  await page.waitForSelector('#update-alert', WAIT);
  await page.click('#update-alert');
  check(await page.inputValue('#alert-form input[name=headline]') === 'Ngập sâu đường Nguyễn Văn Linh', 'the form is filled from the alert');
  await page.fill('#alert-form input[name=headline]', 'Ngập sâu 0,5 m đường Nguyễn Văn Linh');
  await page.click('#alert-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#alert-result')?.textContent.includes('Update'), null, WAIT);
  check(true, 'and updated');
  await page.waitForSelector('#cancel-alert', WAIT);
  await page.click('#cancel-alert');
  await page.waitForFunction(() => document.querySelector('#alert-result')?.textContent.includes('Cancel'), null, WAIT);
  check(true, 'and cancelled from its detail');

  // Map: the areas the deployment gives, coloured by the worst alert.
  await page.click('nav a[data-view=map]');
  await page.waitForSelector('#map-canvas path', WAIT);
  check(await page.locator('#map-canvas path').count() >= 2, 'the map draws the areas');
  await shot('map');

  // Citizen requests with their SLA state.
  await page.click('nav a[data-view=requests]');
  await page.waitForSelector('#request-list tbody tr', WAIT);
  check((await page.textContent('#request-list tbody tr .sla')).length > 0, 'requests show their SLA state');
  await shot('requests');

  // Federation: the tree with the district's link.
  await page.click('nav a[data-view=federation]');
  await page.waitForSelector('#federation-tree [data-node="city/north"] .state', WAIT);
  check(await page.textContent('#federation-tree [data-node="city/north"] .state') === 'fresh', 'the federation view shows the link state');
  await shot('federation');

  // Sign-out forgets the token; a reload asks for one again.
  await page.click('#sign-out');
  check(await page.isVisible('#sign-in'), 'signed out');
  check(await page.evaluate(() => sessionStorage.getItem('ioc.token')) === null, 'the token is forgotten');
  await page.reload();
  check(await page.isVisible('#sign-in') && await page.isHidden('#app'), 'a reload asks for a token again');

  // The wrong token's 401 is expected; a resource the browser wanted and did not find is not.
  const unexpected = errors.filter((e) => !/401|Unauthorized|Failed to load resource: .* 404/.test(e));
  check(unexpected.length === 0, `no script errors (${unexpected.join('; ')})`);
} catch (err) {
  console.error(err.message);
  if (errors.length) console.error('page errors:', errors.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
