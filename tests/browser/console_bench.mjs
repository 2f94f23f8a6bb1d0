// The console under load, in Debian's Chromium (run by bench/console_bench.cpp, which starts the
// nodes, loads them and passes IOC_CONSOLE as JSON). Prints one JSON line of figures:
//   load_ms        navigation to the overview drawn and the stream live, at the city
//   incidents_ms   the incidents view opened until its list is drawn
//   event_ms       [each trial] an incident reported at a district until it is on the city's screen
//   rows, heap_before, heap_after   the incidents list and the JS heap around a burst of events
//   national_ms    the overview of a root with thousands of children drawn; search_ms its search
// With cfg.screenshots, also saves a screenshot of each view (docs/images/ uses them).
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.IOC_CONSOLE);
const WAIT = { timeout: 30000 };

async function post(node, path, body) {
  const res = await fetch(node.url + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${node.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function signed_in_page(browser, node) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript((token) => sessionStorage.setItem('ioc.token', token), node.token);
  return context.newPage();
}

async function heap(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

const browser = await chromium.launch({ executablePath: cfg.chromium, args: ['--no-sandbox'] });
const out = { event_ms: [] };
try {
  const page = await signed_in_page(browser, cfg.city);
  const shot = async (name) => {
    if (cfg.screenshots) await page.screenshot({ path: `${cfg.screenshots}/console-${name}.png` });
  };

  // Load: the overview drawn (a tile per child) and the stream live.
  let start = performance.now();
  await page.goto(cfg.city.url + '/');
  await page.waitForFunction((n) => document.querySelectorAll('.tile').length >= n && document.querySelector('#live.on'), cfg.children, WAIT);
  out.load_ms = performance.now() - start;
  await shot('overview');

  start = performance.now();
  await page.click('nav a[data-view=incidents]');
  await page.waitForFunction((n) => document.querySelectorAll('#incident-list tbody tr').length >= n, cfg.incidents, WAIT);
  out.incidents_ms = performance.now() - start;

  // Event to screen: reported at a district, drawn at the city.
  for (let i = 0; i < cfg.trials; ++i) {
    const sent = performance.now();
    const reported = await post(cfg.district, '/api/v1/incidents', {
      domain: 'traffic', severity: 'moderate', area: cfg.district.node, title: `Ùn tắc ${i}` });
    await page.waitForSelector(`#incident-list tr[data-id="${reported.id}"]`, WAIT);
    out.event_ms.push(performance.now() - sent);
  }
  await page.click('#incident-list tbody tr');
  await page.waitForSelector('.action', WAIT);
  await shot('incidents');

  // A burst of events with the console open: the list keeps its cap and the heap stays bounded.
  out.heap_before = await heap(page);
  const burst = [];
  for (let i = 0; i < cfg.burst; ++i)
    burst.push(post(cfg.city, '/api/v1/incidents', { domain: 'flood', severity: 'minor', area: 'danang', title: `burst ${i}` }));
  const last = (await Promise.all(burst)).at(-1);
  await page.waitForSelector(`#incident-list tr[data-id="${last.id}"]`, WAIT);
  out.rows = await page.locator('#incident-list tbody tr').count();
  out.heap_after = await heap(page);

  for (const view of ['alerts', 'map', 'requests', 'federation']) {
    await page.click(`nav a[data-view=${view}]`);
    const ready = { alerts: '#alert-list tbody tr', map: '#map-canvas path', requests: '#request-list tbody tr', federation: '#federation-tree .state' }[view];
    await page.waitForSelector(ready, WAIT);
    if (view === 'alerts') {
      await page.click('#alert-list tbody tr');
      await page.waitForFunction(() => document.querySelector('#cap-xml')?.textContent.includes('<identifier>'), null, WAIT);
    }
    await shot(view);
  }

  // A national root with thousands of children: aggregated tiles and a search.
  if (cfg.national) {
    const national = await signed_in_page(browser, cfg.national);
    start = performance.now();
    await national.goto(cfg.national.url + '/');
    await national.waitForFunction(() => document.querySelectorAll('.tile').length > 0 && document.querySelector('#live.on'), null, WAIT);
    out.national_ms = performance.now() - start;
    start = performance.now();
    await national.fill('.filters input[type=search]', cfg.national.search);
    await national.waitForSelector(`.tile[data-node="${cfg.national.search}"]`, WAIT);
    out.search_ms = performance.now() - start;
  }
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
