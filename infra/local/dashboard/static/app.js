// The pipeline page: polls /api/status every 1.5 s and redraws in place (no reload).
/* global uPlot */
'use strict';

const POLL_MS = 1500;
const STAGES = [
  ['generated', 'Generated', 'postgres'],
  ['captured', 'Captured', 'kafka'],
  ['written', 'Written', 'kafka'],
  ['lake', 'In the lake', 'lake'],
  ['loaded', 'Loaded to RAW', 'warehouse'],
  ['modelled', 'Modelled (dbt)', 'warehouse'],
];
const COLORS = ['#7fb8ff', '#b48cff', '#3fb67b', '#e0a526', '#e2555a', '#5fd3d3'];

const $ = (id) => document.getElementById(id);
const n = (x, digits = 0) =>
  x === null || x === undefined ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits });
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ago = (ms, now) => (ms ? `${Math.max(0, Math.round((now - ms) / 1000))}s ago` : 'never');
const secs = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

function table(el, head, rows) {
  el.innerHTML =
    `<tr>${head.map((h) => `<th class="${h.endsWith('#') ? 'num' : ''}">${esc(h.replace(/#$/, ''))}</th>`).join('')}</tr>` +
    (rows.length ? rows.join('') : `<tr><td colspan="${head.length}" class="muted">none</td></tr>`);
}

const charts = {};
function chart(id, series, valueFmt) {
  const el = $(id);
  const opts = {
    width: el.clientWidth || 400,
    height: 200,
    legend: { live: false },
    axes: [
      { stroke: '#8798aa', grid: { stroke: '#223142' } },
      { stroke: '#8798aa', grid: { stroke: '#223142' }, values: (u, v) => v.map(valueFmt), size: 56 },
    ],
    series: [{}, ...series.map((s, i) => ({ label: s, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
  };
  const data = [[], ...series.map(() => [])];
  charts[id] = { plot: new uPlot(opts, data, el), el };
  return charts[id];
}

function setChart(id, data) {
  const c = charts[id];
  c.plot.setData(data);
  // What the browser test reads to see the chart move: points drawn and the newest time.
  c.el.dataset.points = String(data[0].length);
  c.el.dataset.last = String(data[0].length ? data[0][data[0].length - 1] : 0);
}

function renderStages(s) {
  const age = Object.fromEntries(s.sources.map((x) => [x.name, x]));
  $('stages').innerHTML = STAGES.map(([key, title, source], i) => {
    const st = s.stages[key];
    const src = age[source] || {};
    const stale = !src.asOf || s.now - src.asOf > Math.max(10_000, 3 * src.everyMs);
    const why = src.error ? ` (${esc(src.error)})` : '';
    return `<div class="stage" id="stage-${key}" style="border-top: 3px solid ${COLORS[i]}">
      <div class="name">${title}</div>
      <div class="count" id="count-${key}">${n(st.count)}</div>
      <div class="rate" id="rate-${key}">${st.rate === null ? '–' : `${n(st.rate, 1)} /s`}</div>
      <div class="what">${esc(st.what)}</div>
      <div class="detail">${esc(st.detail || '')}</div>
      <div class="age${stale ? ' stale' : ''}">read ${ago(src.asOf, s.now)}${why}</div></div>`;
  }).join('');
}

function renderTables(s) {
  table(
    $('lag'),
    ['group', 'topic', 'p', 'end#', 'committed#', 'lag#'],
    s.lag.partitions.map(
      (p) =>
        `<tr><td>${esc(p.groupId)}</td><td>${esc(p.topic.replace(/^.*\.public\./, ''))}</td><td>${p.partition}</td>` +
        `<td class="num">${n(p.end)}</td><td class="num">${n(p.committed)}</td>` +
        `<td class="num ${p.lag > 0 ? 'warn' : 'ok'}">${n(p.lag)}</td></tr>`,
    ),
  );
  $('waiting-count').textContent = n(s.lake.waiting);
  $('waiting').innerHTML =
    `<p>${n(s.lake.waiting)} of ${n(s.lake.objects)} objects are in the lake but not in raw._loads` +
    (s.lake.oldestWaitingMs !== null ? `; the oldest for ${secs(s.lake.oldestWaitingMs)}` : '') +
    `.</p>` +
    s.lake.waitingSample.map((k) => `<div class="muted">${esc(k)}</div>`).join('');
  // Dead letters and load errors: how many, and the latest with their reasons.
  for (const [id, what, problems] of [
    ['dlq', 'record', s.deadLetters],
    ['errors', 'object', s.loadErrors],
  ]) {
    $(`${id}-count`).textContent = n(problems.count);
    table(
      $(id),
      ['when', what, 'reason'],
      problems.recent.map(
        (d) => `<tr><td>${ago(d.at, s.now)}</td><td>${esc(d.key)}</td><td class="reason">${esc(d.reason)}</td></tr>`,
      ),
    );
  }
  table(
    $('services'),
    ['service', 'state', 'detail'],
    s.services.map(
      (v) =>
        `<tr><td>${v.link ? `<a href="${esc(v.link)}" target="_blank">${esc(v.name)}</a>` : esc(v.name)}</td>` +
        `<td class="${v.healthy ? 'ok' : 'bad'}">${v.healthy ? 'healthy' : 'down'}</td><td>${esc(v.detail)}</td></tr>`,
    ),
  );
  table(
    $('sources'),
    ['source', 'read', 'took (ms)#', 'every (ms)#', 'note'],
    s.sources.map(
      (x) =>
        `<tr><td>${esc(x.name)}</td><td>${ago(x.asOf, s.now)}</td><td class="num">${n(x.tookMs)}</td>` +
        `<td class="num">${n(x.everyMs)}</td><td class="${x.error ? 'warn' : 'muted'}">${esc(
          x.error || (x.heldMs !== undefined ? `held the file ${x.heldMs} ms` : ''),
        )}</td></tr>`,
    ),
  );
}

function renderReconciliation(s) {
  const r = s.reconciliation.live;
  const cls = { match: 'ok', 'in-flight': 'warn', mismatch: 'bad' };
  const label = { match: 'exact match', 'in-flight': 'differs while changes are in flight', mismatch: 'MISMATCH' };
  let html = r
    ? `<p id="reconciliation-verdict" class="${cls[r.verdict]}">${label[r.verdict]} <span class="muted">(${ago(r.at, s.now)}, ${r.tookMs} ms)</span></p>` +
      `<table><tr><th>table</th><th class="num">source</th><th class="num">warehouse</th></tr>` +
      Object.keys(r.source.rows)
        .map(
          (t) =>
            `<tr><td>${t}</td><td class="num">${n(r.source.rows[t])}</td><td class="num">${n(r.warehouse.rows[t])}</td></tr>`,
        )
        .join('') +
      `<tr><td>balances</td><td class="num">${esc(r.source.balanceSum)}</td><td class="num">${esc(r.warehouse.balanceSum)}</td></tr></table>`
    : '<p class="muted">first reconciliation pending (runs every 30 s when the warehouse is free)</p>';
  const d = s.reconciliation.deferred;
  if (d) {
    const note = `<p id="reconciliation-deferred" class="muted">${r ? 'not compared again' : 'not compared yet'}: ${esc(d.why)} <span class="muted">(${ago(d.at, s.now)})</span></p>`;
    html = r ? html + note : note.replace('id="reconciliation-deferred"', 'id="reconciliation-verdict"');
  }
  const e = s.reconciliation.lastE2e;
  if (e)
    html += `<p>last <code>npm run e2e</code>: <span class="${e.match ? 'ok' : 'bad'}">${e.match ? 'exact match' : 'FAILED'}</span> ${ago(e.at, s.now)}; ${esc(e.summary)}</p>`;
  const v = s.reconciliation.lastVerify;
  if (v)
    html += `<p id="last-verify">last <code>npm run verify</code>: <span class="${v.match ? 'ok' : 'bad'}">${v.match ? 'exact match' : 'MISMATCH'}</span> ${ago(v.at, s.now)}; ${esc(v.summary)}</p>`;
  $('reconciliation').innerHTML = html;
}

function render(s) {
  $('updated').textContent = `updated ${new Date(s.now).toLocaleTimeString()}`;
  $('links').innerHTML =
    `<a href="${esc(s.links.minioConsole)}" target="_blank">MinIO console</a>` +
    `<a href="${esc(s.links.connect)}" target="_blank">Connect REST</a>` +
    `<a href="${esc(s.links.airflow)}" target="_blank">Airflow</a>` +
    `<a href="/api/status" target="_blank">/api/status</a>`;
  renderStages(s);
  renderTables(s);
  renderReconciliation(s);
  const h = s.history;
  setChart('chart-rates', [h.t, ...STAGES.map(([k]) => h.series[k] || [])]);
  const b = s.latency.buckets;
  setChart('chart-latency', [b.map((x) => x.t / 1000), b.map((x) => x.p50 / 1000), b.map((x) => x.p99 / 1000)]);
  $('latency-now').textContent = s.latency.p50 === null ? '' : `now p50 ${secs(s.latency.p50)}, p99 ${secs(s.latency.p99)}`;
  setChart('chart-lag', [h.t, h.series.lag || [], h.series.waiting || []]);
}

async function poll() {
  try {
    const res = await fetch('/api/status', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    render(await res.json());
  } catch (err) {
    $('updated').textContent = `not answering: ${err.message}`;
  }
  setTimeout(poll, POLL_MS);
}

chart(
  'chart-rates',
  STAGES.map(([, t]) => t),
  (v) => n(v),
);
chart('chart-latency', ['p50', 'p99'], (v) => `${n(v, 1)} s`);
chart('chart-lag', ['lag (records)', 'waiting (objects)'], (v) => n(v));
poll();
