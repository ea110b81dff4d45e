// The hub's console: plain browser JavaScript, no build step, no library, no CDN. It reads
// GET /observe/console/overview, GET /observe/traces… and /admin/dead-letters… with the admin key the user types in
// (kept in this tab's sessionStorage only). No inline script or style: the hub's CSP forbids them.
'use strict';

const KEY = 'hub.admin-key';
const state = { tab: 'routes', timer: null };

function $(selector) { return document.querySelector(selector); }

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    if (cell instanceof Node) { const td = document.createElement('td'); td.appendChild(cell); tr.appendChild(td); }
    else tr.appendChild(el('td', cell));
  }
  return tr;
}

function showMessage(text) {
  const message = $('#message');
  message.textContent = text || '';
  message.classList.toggle('hidden', !text);
}

async function api(path, method, payload) {
  const headers = { 'Accept': 'application/json' };
  const key = sessionStorage.getItem(KEY);
  if (key) headers['X-API-Key'] = key;
  const init = { headers, method: method || 'GET' };
  if (payload !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(payload); }
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.detail || (response.status + ' ' + response.statusText));
    error.status = response.status;
    throw error;
  }
  return body;
}

function formatMicros(micros) {
  if (micros < 1000) return micros + ' µs';
  if (micros < 1000000) return (micros / 1000).toFixed(1) + ' ms';
  return (micros / 1000000).toFixed(2) + ' s';
}

function renderRoutes(routes) {
  const container = $('#route-groups');
  container.replaceChildren();
  const groups = new Map();
  for (const route of routes) {
    if (!groups.has(route.pattern)) groups.set(route.pattern, []);
    groups.get(route.pattern).push(route);
  }
  for (const [pattern, rows] of groups) {
    container.appendChild(el('h3', pattern));
    const table = el('table');
    table.classList.add('routes');
    const head = row(['route', 'source', 'state', 'exchanges', 'failures']);
    head.querySelectorAll('td').forEach(td => { const th = el('th', td.textContent); td.replaceWith(th); });
    const thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = row([el('code', r.id), r.source, el('span', r.status, 'state-' + r.status), r.exchanges,
        el('span', r.failures, r.failures > 0 ? 'failed' : '')]);
      tr.dataset.route = r.id;
      tr.children[3].className = 'num';
      tr.children[4].className = 'num';
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    container.appendChild(table);
  }
}

function renderHealth(overview) {
  const breakers = $('#breakers tbody');
  breakers.replaceChildren();
  for (const b of overview.breakers) {
    breakers.appendChild(row([el('code', b.name), el('span', b.state, 'state-' + b.state),
      b.failureRate < 0 ? '–' : b.failureRate.toFixed(1) + ' %', b.bufferedCalls, b.notPermittedCalls]));
  }
  const gauges = $('#gauges tbody');
  gauges.replaceChildren();
  for (const g of overview.gauges) {
    const of = Object.entries(g.tags).map(([k, v]) => k + '=' + v).join(', ');
    const value = typeof g.value === 'number' ? (Number.isInteger(g.value) ? g.value : g.value.toFixed(2)) : g.value;
    gauges.appendChild(row([el('code', g.name), of, value]));
  }
}

function renderReloads(overview) {
  const body = $('#reload-history tbody');
  body.replaceChildren();
  if (!overview.reloadEnabled) {
    body.appendChild(row(['live reload is off (hub.routes.reload.enabled=false)', '', '', '', '']));
    return;
  }
  for (const r of overview.reloads) {
    body.appendChild(row([new Date(r.at).toLocaleTimeString(), el('code', r.file), el('span', r.outcome, 'outcome-' + r.outcome),
      r.routes.join(', '), r.reason || '']));
  }
}

// ---- dead letters: GET/POST/DELETE /admin/dead-letters… --------------------------------------------
const dl = { source: null, after: null };

async function loadDeadLetterSources() {
  try {
    const found = await api('/admin/dead-letters');
    showMessage('');
    const body = $('#dl-sources tbody');
    body.replaceChildren();
    for (const s of found.sources) {
      const tr = row([el('code', s.source), s.broker, s.depth === undefined ? el('span', s.error, 'failed') : s.depth, s.redrivesTo]);
      tr.dataset.source = s.source;
      tr.children[2].className = 'num';
      tr.addEventListener('click', () => loadDeadLetters(s.source, null));
      body.appendChild(tr);
    }
  } catch (e) {
    showMessage(e.status === 401 || e.status === 403 ? e.message + ' — type the admin key above.' : e.message);
  }
}

async function loadDeadLetters(source, after) {
  try {
    const page = await api('/admin/dead-letters/' + encodeURIComponent(source) + '?limit=50' +
      (after ? '&after=' + encodeURIComponent(after) : ''));
    dl.source = source;
    dl.after = page.next || null;
    $('#dl-title').textContent = source + (after ? ' (after ' + after + ')' : '');
    $('#dl-next').classList.toggle('hidden', !page.next);
    $('#dl-detail').classList.add('hidden');
    const body = $('#dl-messages tbody');
    body.replaceChildren();
    if (page.messages.length === 0) body.appendChild(row(['', 'nothing waits here', '', '', '', '', '', '']));
    for (const m of page.messages) {
      const box = el('input');
      box.type = 'checkbox';
      box.value = m.id;
      const discard = el('button', 'Discard');
      discard.type = 'button';
      discard.addEventListener('click', event => { event.stopPropagation(); discardDeadLetter(m.id); });
      const tr = row([box, el('code', m.id), m.failedAt ? new Date(m.failedAt).toLocaleString() : '', m.failedRoute || '',
        m.reason, m.attempts === undefined ? '' : m.attempts, m.redriveCount, discard]);
      tr.dataset.message = m.id;
      tr.children[4].className = 'failed';
      tr.addEventListener('click', event => {
        if (event.target === box) return;
        const detail = $('#dl-detail');
        detail.textContent = JSON.stringify({ headers: m.headers, body: m.body, bodyBytes: m.bodyBytes,
          bodyTruncated: m.bodyTruncated }, null, 2);
        detail.classList.remove('hidden');
      });
      body.appendChild(tr);
    }
    $('#dl-view').classList.remove('hidden');
  } catch (e) {
    showMessage(e.message);
  }
}

function selectedDeadLetters() {
  return Array.from(document.querySelectorAll('#dl-messages tbody input[type=checkbox]:checked')).map(b => b.value);
}

async function redriveDeadLetters(dryRun) {
  const ids = selectedDeadLetters();
  if (ids.length === 0) { $('#dl-result').textContent = 'select messages first'; return; }
  try {
    const report = await api('/admin/dead-letters/' + encodeURIComponent(dl.source) + '/redrive', 'POST', { ids, dryRun });
    $('#dl-result').textContent = (dryRun ? 'would redrive ' : 'redriven ') + report.redriven + ' of ' + report.matched +
      ' to ' + report.redrivenTo + (report.refused.length ? ', refused ' + report.refused.length + ' (redrive limit)' : '');
    if (!dryRun) { await loadDeadLetterSources(); await loadDeadLetters(dl.source, null); }
  } catch (e) {
    $('#dl-result').textContent = e.message;
  }
}

async function discardDeadLetter(id) {
  try {
    await api('/admin/dead-letters/' + encodeURIComponent(dl.source) + '/' + encodeURIComponent(id), 'DELETE');
    $('#dl-result').textContent = 'discarded ' + id;
    await loadDeadLetterSources();
    await loadDeadLetters(dl.source, null);
  } catch (e) {
    $('#dl-result').textContent = e.message;
  }
}

async function refresh() {
  if (state.tab === 'traces' || state.tab === 'deadletters') return;
  try {
    const overview = await api('/observe/console/overview');
    showMessage('');
    $('#hub-info').textContent = overview.hub.name + ' · Camel ' + overview.hub.camel + ' · up ' +
      Math.round(overview.hub.uptimeMillis / 1000) + ' s';
    renderRoutes(overview.routes);
    renderHealth(overview);
    renderReloads(overview);
  } catch (e) {
    showMessage(e.status === 401 || e.status === 403
      ? e.message + ' — type the admin key above.'
      : 'The hub did not answer: ' + e.message);
  }
}

async function searchTraces(query) {
  try {
    const found = await api('/observe/traces?limit=50' + (query ? '&q=' + encodeURIComponent(query) : ''));
    showMessage('');
    const body = $('#trace-list tbody');
    body.replaceChildren();
    if (found.traces.length === 0) {
      body.appendChild(row([query ? 'no trace mentions ' + query : 'no trace yet', '', '', '', '']));
    }
    for (const t of found.traces) {
      const tr = row([el('code', t.traceId), el('span', t.root, t.error ? 'failed' : ''), t.spans,
        new Date(t.startMicros / 1000).toLocaleTimeString(), formatMicros(t.durationMicros)]);
      tr.dataset.trace = t.traceId;
      tr.addEventListener('click', () => showTrace(t.traceId));
      body.appendChild(tr);
    }
    if (found.traces.length === 1) showTrace(found.traces[0].traceId);
  } catch (e) {
    showMessage(e.message);
  }
}

async function showTrace(traceId) {
  try {
    const trace = await api('/observe/traces/' + traceId);
    const spans = trace.spans;
    const ids = new Set(spans.map(s => s.spanId));
    const children = new Map();
    const roots = [];
    for (const s of spans) {
      if (s.parentSpanId && ids.has(s.parentSpanId)) {
        if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
        children.get(s.parentSpanId).push(s);
      } else {
        roots.push(s);
      }
    }
    const start = Math.min(...spans.map(s => s.startMicros));
    const end = Math.max(...spans.map(s => s.endMicros));
    const total = Math.max(end - start, 1);
    const waterfall = $('#waterfall');
    waterfall.replaceChildren();
    // Camel names a span by its method or destination only; the component and path tell more
    const label = span => {
      const a = span.attributes || {};
      const component = (a.component || '').replace(/^camel-/, '');
      let detail = '';
      if (a['url.path'] && /http/.test(component)) detail = ' /' + a['url.path'].replace(/^\//, '');
      else if (a['messaging.destination.name'] && span.name !== a['messaging.destination.name']) detail = ' ' + a['messaging.destination.name'];
      else if (component === 'bean' && a['camel.uri']) detail = ' ' + decodeURIComponent(a['camel.uri'].replace(/^bean:\/\//, '')).replace(/\?method=/, '.');
      return (component ? component + ' · ' : '') + span.name + detail;
    };
    const add = (span, depth) => {
      const line = el('div', null, 'span-row');
      line.dataset.span = span.spanId;
      const name = el('div', label(span), 'span-name');
      name.style.paddingLeft = (depth * 14) + 'px';
      name.title = span.name + ' (' + span.kind + ')';
      const track = el('div', null, 'span-track');
      const bar = el('div', null, 'span-bar kind-' + span.kind + (span.error ? ' error' : ''));
      const left = (span.startMicros - start) / total * 100;
      bar.style.left = left + '%';
      bar.style.width = Math.max((span.endMicros - span.startMicros) / total * 100, 0.3) + '%';
      const time = el('span', formatMicros(span.endMicros - span.startMicros), 'span-time');
      time.style.left = Math.min(left + (span.endMicros - span.startMicros) / total * 100 + 0.5, 88) + '%';
      track.append(bar, time);
      line.append(name, track);
      line.addEventListener('click', () => {
        const detail = $('#span-detail');
        detail.textContent = JSON.stringify(span, null, 2);
        detail.classList.remove('hidden');
      });
      waterfall.appendChild(line);
      for (const child of (children.get(span.spanId) || []).sort((a, b) => a.startMicros - b.startMicros)) add(child, depth + 1);
    };
    roots.sort((a, b) => a.startMicros - b.startMicros).forEach(r => add(r, 0));
    $('#trace-title').textContent = 'Trace ' + traceId + ' · ' + spans.length + ' spans · ' + formatMicros(total);
    $('#span-detail').classList.add('hidden');
    $('#trace-view').classList.remove('hidden');
  } catch (e) {
    showMessage(e.message);
  }
}

function selectTab(tab) {
  state.tab = tab;
  document.querySelectorAll('button.tab').forEach(b => b.classList.toggle('active', b.dataset.tab === tab));
  document.querySelectorAll('section.panel').forEach(s => s.classList.toggle('hidden', s.id !== tab));
  if (tab === 'traces') searchTraces($('#trace-query').value.trim());
  else if (tab === 'deadletters') loadDeadLetterSources();
  else refresh();
}

document.addEventListener('DOMContentLoaded', () => {
  $('#admin-key').value = sessionStorage.getItem(KEY) || '';
  $('#key-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('#admin-key').value);
    selectTab(state.tab);
  });
  document.querySelectorAll('button.tab').forEach(b => b.addEventListener('click', () => selectTab(b.dataset.tab)));
  $('#trace-form').addEventListener('submit', event => {
    event.preventDefault();
    searchTraces($('#trace-query').value.trim());
  });
  $('#dl-select-all').addEventListener('click', () =>
    document.querySelectorAll('#dl-messages tbody input[type=checkbox]').forEach(b => { b.checked = true; }));
  $('#dl-dry-run').addEventListener('click', () => redriveDeadLetters(true));
  $('#dl-redrive').addEventListener('click', () => redriveDeadLetters(false));
  $('#dl-next').addEventListener('click', () => loadDeadLetters(dl.source, dl.after));
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) { $('#trace-query').value = initial; selectTab('traces'); } else { refresh(); }
  state.timer = setInterval(refresh, 3000);
});
