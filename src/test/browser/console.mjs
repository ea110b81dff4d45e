// Drives the hub's /console in Debian's headless Chromium through playwright-core (no browser
// download: executablePath is the system's chromium). Usage:
//   node console.mjs <hub base URL> <admin key> <order id> <screenshot path> <dead-letter queue>
// Exits 0 when the page loaded with no console error, listed the routes, found the order's trace by
// its id and drew its spans, showed the dead-letter queue's message and redrove it; otherwise prints
// why and exits 1.
import { chromium } from 'playwright-core';

const [base, adminKey, orderId, screenshot, deadLetterQueue] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // without the background-networking flags Chromium keeps trying hosts this machine cannot reach
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', message => { if (message.type() === 'error') problems.push('console error: ' + message.text()); });
  page.on('pageerror', error => problems.push('page error: ' + error.message));

  await page.goto(base + '/console/');
  // without the key the page says what to do, from the 401/403 the hub answered
  await page.waitForSelector('#message:not(.hidden)', { timeout: 15000 });
  const refused = await page.textContent('#message');
  if (!/admin key/i.test(refused)) problems.push('without a key the page says: ' + refused);
  // the 401 of that first call is the browser's own console error for a failed fetch: expected, not counted
  problems.length = 0;

  await page.fill('#admin-key', adminKey);
  await page.click('#key-form button');
  await page.waitForSelector('#route-groups tr[data-route]', { timeout: 15000 });
  const routes = await page.$$eval('#route-groups tr[data-route]', rows => rows.map(r => r.dataset.route));
  for (const expected of ['outbox-relay', 'requestreply-grpc-server']) {
    if (!routes.includes(expected)) problems.push('route ' + expected + ' not listed; listed: ' + routes.join(', '));
  }
  const yamlSources = await page.$$eval('#route-groups tr[data-route] td:nth-child(2)', cells => cells.map(c => c.textContent));
  if (!yamlSources.some(s => s.includes('.yaml'))) problems.push('no route shows a YAML file as its source');

  await page.click('button[data-tab="traces"]');
  await page.fill('#trace-query', orderId);
  await page.click('#trace-form button');
  // the order's own trace (the placing, the saga, the stand-ins, NATS) is the one with the most spans;
  // the GET /api/orders/{id} polls that mention the id are traces of their own
  await page.waitForSelector('#trace-list tbody tr[data-trace]', { timeout: 15000 });
  const rows = await page.$$eval('#trace-list tbody tr[data-trace]',
    trs => trs.map(tr => ({ id: tr.dataset.trace, spans: Number(tr.children[2].textContent) })));
  const biggest = rows.reduce((a, b) => (b.spans > a.spans ? b : a));
  await page.click('#trace-list tbody tr[data-trace="' + biggest.id + '"]');
  await page.waitForSelector('#waterfall .span-row', { timeout: 15000 });
  const spans = await page.$$eval('#waterfall .span-row .span-name', names => names.map(n => n.textContent));
  if (spans.length < 5) problems.push('the order\'s trace shows ' + spans.length + ' spans: ' + spans.join(', '));
  const title = await page.textContent('#trace-title');
  if (!/Trace [0-9a-f]{32}/.test(title)) problems.push('trace title: ' + title);
  await page.click('#waterfall .span-row');
  await page.waitForSelector('#span-detail:not(.hidden)');
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log('console: ' + routes.length + ' routes, trace of ' + orderId + ': ' + spans.length + ' spans');

  // dead letters: the queue with its message, read without consuming it, a dry run, then a redrive
  await page.click('button[data-tab="deadletters"]');
  const source = '#dl-sources tr[data-source="' + deadLetterQueue + '"]';
  await page.waitForSelector(source, { timeout: 15000 });
  const depth = Number(await page.textContent(source + ' td:nth-child(3)'));
  if (depth !== 1) problems.push('dead-letter queue ' + deadLetterQueue + ' shows ' + depth + ' messages, not 1');
  await page.click(source);
  await page.waitForSelector('#dl-messages tr[data-message]', { timeout: 15000 });
  const reason = await page.textContent('#dl-messages tr[data-message] td:nth-child(5)');
  if (!/unknown task type/.test(reason)) problems.push('dead letter reason: ' + reason);
  await page.check('#dl-messages tr[data-message] input[type=checkbox]');
  await page.click('#dl-dry-run');
  await page.waitForFunction(() => /^would redrive 1 of 1/.test(document.querySelector('#dl-result').textContent),
    null, { timeout: 15000 });
  await page.click('#dl-messages tr[data-message] td:nth-child(2)');
  await page.waitForSelector('#dl-detail:not(.hidden)');
  if (screenshot) await page.screenshot({ path: screenshot.replace(/\.png$/, '-dead-letters.png'), fullPage: true });
  await page.check('#dl-messages tr[data-message] input[type=checkbox]');
  await page.click('#dl-redrive');
  await page.waitForFunction(() => /^redriven 1 of 1/.test(document.querySelector('#dl-result').textContent),
    null, { timeout: 15000 });
  console.log('dead letters: ' + deadLetterQueue + ' redriven from the console');

  // GraphiQL, linked from the console, its assets from the jar: it loads the schema and runs the query
  await page.click('a.tab[href="graphiql.html"]');
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(() => {
    const result = document.querySelector('.result-window');
    return result && /"edges"/.test(result.textContent);
  }, null, { timeout: 20000 });
  const result = await page.textContent('.result-window');
  if (/"errors"/.test(result)) problems.push('GraphiQL query answered errors: ' + result.slice(0, 300));
  console.log('graphiql: query answered');
} catch (error) {
  problems.push(String(error && error.stack || error));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
