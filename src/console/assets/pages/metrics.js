/**
 * @module console/pages/metrics
 * Live metrics: GET /metrics every 2 s (the same text Prometheus scrapes,
 * parsed here), the last 2 minutes as rates and gauges in small SVG
 * charts, and per-table totals. With --workers, each scrape reaches one
 * worker (docs/metrics.md): the charts show that worker's share.
 */
import { h, fill, formatBytes } from '../dom.js';
import { parsePrometheus, sum, sumBy } from '../prom.js';
import { drawChart, short } from '../chart.js';

const D = 'openddb_dynamodb_';
const LATENCY = `${D}successful_request_latency_seconds`;
const INTERVAL_MS = 2000;
const KEEP = 60;

/** Each chart: a title, a unit, and its series from two scrapes (prev may be undefined for gauges). */
const CHARTS = [
  { id: 'requests', title: 'Requests / s', series: (cur, prev, dt) => topRates(cur, prev, dt, `${LATENCY}_count`, 'operation', 5, 'all') },
  { id: 'latency', title: 'Latency (ms)', series: (cur, prev) => [
    ['mean', meanLatency(cur, prev)],
    ['p50', quantile(cur, prev, 0.5)],
    ['p99', quantile(cur, prev, 0.99)]] },
  { id: 'capacity', title: 'Consumed capacity units / s', series: (cur, prev, dt) => [
    ['read', rate(cur, prev, dt, `${D}consumed_read_capacity_units_total`)],
    ['write', rate(cur, prev, dt, `${D}consumed_write_capacity_units_total`)]] },
  { id: 'errors', title: 'Errors / s', series: (cur, prev, dt) => [
    ['user', rate(cur, prev, dt, `${D}user_errors_total`)],
    ['system', rate(cur, prev, dt, `${D}system_errors_total`)],
    ['condition failed', rate(cur, prev, dt, `${D}conditional_check_failed_requests_total`)]] },
  { id: 'memory', title: 'Memory (MB)', series: (cur) => [
    ['RSS', mb(sum(cur, 'openddb_process_resident_memory_bytes'))],
    ['heap', mb(sum(cur, 'openddb_process_heap_used_bytes'))]] },
  { id: 'loop', title: 'Event-loop lag (ms)', series: (cur) => [
    ['mean', ms(sum(cur, 'openddb_event_loop_lag_seconds'))],
    ['p99', ms(sum(cur, 'openddb_event_loop_lag_p99_seconds'))]] },
  { id: 'streams', title: 'Stream records / s', series: (cur, prev, dt) => [['written', rate(cur, prev, dt, 'openddb_stream_records_written_total')]] },
  { id: 'connections', title: 'Open connections', series: (cur) => [['open', sum(cur, 'openddb_http_open_connections')]] },
];

function mb(v) {
  return v === undefined ? undefined : v / 1048576;
}
function ms(v) {
  return v === undefined ? undefined : v * 1000;
}

function rate(cur, prev, dt, name, match) {
  if (!prev) return undefined;
  const a = sum(cur, name, match) ?? 0;
  const b = sum(prev, name, match) ?? 0;
  return Math.max(0, (a - b) / dt);
}

function meanLatency(cur, prev) {
  if (!prev) return undefined;
  const n = (sum(cur, `${LATENCY}_count`) ?? 0) - (sum(prev, `${LATENCY}_count`) ?? 0);
  const s = (sum(cur, `${LATENCY}_sum`) ?? 0) - (sum(prev, `${LATENCY}_sum`) ?? 0);
  return n > 0 ? (s / n) * 1000 : 0;
}

/**
 * A quantile of the latency between two scrapes, from the histogram's
 * cumulative buckets summed over every series, interpolated within its
 * bucket as Prometheus' histogram_quantile does.
 */
function quantile(cur, prev, q) {
  if (!prev) return undefined;
  const buckets = new Map();
  for (const [samples, sign] of [[cur, 1], [prev, -1]]) {
    for (const s of samples) {
      if (s.name !== `${LATENCY}_bucket`) continue;
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sign * s.value);
    }
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.length ? sorted[sorted.length - 1][1] : 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lower * 1000;
      return (lower + ((le - lower) * (rank - below)) / Math.max(1, count - below)) * 1000;
    }
    lower = le;
    below = count;
  }
  return lower * 1000;
}

/** The total rate and the `top` busiest values of `label`, by rate. */
function topRates(cur, prev, dt, name, label, top, totalName) {
  if (!prev) return [[totalName, undefined]];
  const a = sumBy(cur, name, label);
  const b = sumBy(prev, name, label);
  const rates = [...a].map(([k, v]) => [k || '(none)', Math.max(0, (v - (b.get(k) ?? 0)) / dt)]).sort((x, y) => y[1] - x[1]);
  return [[totalName, rates.reduce((t, [, v]) => t + v, 0)], ...rates.slice(0, top)];
}

export function render(el) {
  const status = h('span', { class: 'muted' }, 'Scraping /metrics…');
  const charts = h('div', { class: 'charts' });
  const tables = h('div');
  const pause = h('button', { type: 'button', onclick: () => { paused = !paused; pause.textContent = paused ? 'Resume' : 'Pause'; if (!paused) tick(); } }, 'Pause');
  el.append(
    h('div', { class: 'row', style: 'margin-bottom:12px' }, h('h1', { style: 'margin:0' }, 'Metrics'), status, h('span', { class: 'spacer' }),
      h('a', { href: '/metrics', target: '_blank', rel: 'noopener' }, 'Raw /metrics'), pause),
    charts, tables);

  const boxes = new Map();
  for (const c of CHARTS) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', c.title);
    const now = h('span', { class: 'muted' });
    const legend = h('div', { class: 'legend' });
    charts.append(h('figure', { class: 'chart', style: 'margin:0', 'data-chart': c.id }, h('h3', {}, c.title, now), svg, legend));
    boxes.set(c.id, { svg, legend, now, history: new Map() });
  }

  let prev;
  let prevAt;
  let timer;
  let stopped = false;
  let paused = false;
  const times = [];

  async function tick() {
    clearTimeout(timer);
    if (stopped || paused) return;
    try {
      const res = await fetch('/metrics', { cache: 'no-store' });
      if (!res.ok) {
        // With --auth, /metrics answers this machine only (403 elsewhere, with a message saying so).
        let message = '';
        try {
          message = (await res.json()).message ?? '';
        } catch {
          // not JSON: the status says enough
        }
        throw new Error(`GET /metrics answered ${res.status}${message ? `: ${message}` : ''}`);
      }
      const cur = parsePrometheus(await res.text());
      const at = Date.now();
      const dt = prevAt ? (at - prevAt) / 1000 : 1;
      times.push(at);
      if (times.length > KEEP) times.shift();
      for (const c of CHARTS) {
        const box = boxes.get(c.id);
        const values = c.series(cur, prev, dt);
        for (const [name, v] of values) {
          if (!box.history.has(name)) box.history.set(name, []);
        }
        for (const [name, pts] of box.history) {
          const v = values.find(([n]) => n === name)?.[1];
          if (v !== undefined) pts.push([at, v]);
          while (pts.length && pts[0][0] < times[0]) pts.shift();
        }
        const series = [...box.history].filter(([, pts]) => pts.length).map(([name, points]) => ({ name, points }));
        const legend = drawChart(box.svg, series, times[0], at);
        fill(box.legend, legend.map((l) => h('span', {}, h('i', { style: `background:${l.color}` }), `${l.name} ${l.last === undefined ? '' : short(l.last)}`)));
      }
      showTables(cur);
      status.textContent = `updated ${new Date(at).toLocaleTimeString()} · every ${INTERVAL_MS / 1000} s`;
      prev = cur;
      prevAt = at;
    } catch (e) {
      status.textContent = String(e.message);
    }
    if (!stopped && !paused) timer = setTimeout(tick, INTERVAL_MS);
  }

  function showTables(cur) {
    const byTable = new Map();
    const add = (name, field) => {
      for (const s of cur) {
        if (s.name !== name || s.labels.global_secondary_index) continue;
        const t = s.labels.table;
        if (!t) continue;
        const row = byTable.get(t) ?? { table: t, requests: 0, read: 0, write: 0, items: 0 };
        row[field] += s.value;
        byTable.set(t, row);
      }
    };
    add(`${LATENCY}_count`, 'requests');
    add(`${D}consumed_read_capacity_units_total`, 'read');
    add(`${D}consumed_write_capacity_units_total`, 'write');
    add(`${D}returned_item_count_total`, 'items');
    const rows = [...byTable.values()].sort((a, b) => b.requests - a.requests);
    const uptime = sum(cur, 'openddb_process_uptime_seconds');
    const storage = sum(cur, 'openddb_storage_size_bytes');
    fill(tables,
      h('h2', {}, 'Per table, since the server started'),
      h('p', { class: 'muted' }, `Uptime ${uptime === undefined ? '?' : `${Math.round(uptime)} s`}${storage === undefined ? '' : ` · storage ${formatBytes(storage)}`}`),
      rows.length === 0 ? h('p', { class: 'muted' }, 'No table has had requests yet.') : h('div', { class: 'scroll' }, h('table', { class: 'data', 'aria-label': 'Per-table totals' },
        h('thead', {}, h('tr', {}, ['Table', 'Requests', 'Read units', 'Write units', 'Items returned'].map((x) => h('th', {}, x)))),
        h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, h('a', { href: `#/tables/${encodeURIComponent(r.table)}/overview` }, r.table)),
          [r.requests, r.read, r.write, r.items].map((v) => h('td', { class: 'num' }, short(v)))))))));
  }

  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
