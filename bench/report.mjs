/**
 * @module Turns the measurements into the report: ratios to dynalite
 * (in-memory) and to the ceiling, the targets of the performance issue with
 * their measured figures, a markdown document and a JSON file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKLOADS } from './workloads.mjs';
import { SERVERS } from './servers.mjs';

const BASELINE = 'dynalite-mem';
const CEILING = 'ceiling';
const SUBJECT = 'openddb-disk'; // The targets are about openddb while durable.

const cellKey = (c) => `${c.workload}/${c.concurrency}/${c.server}`;

/** Adds ratios to dynalite-mem and to the ceiling to every measured cell. */
export function addRatios(cells) {
  const byKey = new Map(cells.map((c) => [cellKey(c), c]));
  for (const c of cells) {
    if (c.status !== 'ok') continue;
    const base = byKey.get(`${c.workload}/${c.concurrency}/${BASELINE}`);
    const ceil = byKey.get(`${c.workload}/${c.concurrency}/${CEILING}`);
    if (base?.status === 'ok') {
      c.opsVsDynalite = c.opsPerSec / base.opsPerSec;
      c.cpuVsDynalite = c.cpuUsPerOp / base.cpuUsPerOp;
    }
    if (ceil?.status === 'ok') {
      c.opsVsCeiling = c.opsPerSec / ceil.opsPerSec;
      c.cpuVsCeiling = c.cpuUsPerOp / ceil.cpuUsPerOp;
    }
  }
  return cells;
}

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtMs = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(us < 10_000 ? 2 : 1) : '–');
const fmtX = (r) => (Number.isFinite(r) ? `${r < 10 ? r.toFixed(2) : r.toFixed(0)}×` : '–');
const fmtPct = (r) => (Number.isFinite(r) ? `${Math.round(r * 100)}%` : '–');
const fmtNum = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

function find(cells, workload, concurrency, server) {
  return cells.find((c) => c.workload === workload && c.concurrency === concurrency && c.server === server);
}

/** The issue's targets with the figures that judge them. Verdicts are informational, never a gate. */
export function judgeTargets(result) {
  const { cells, startup, scale } = result;
  const rows = [];
  const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT met');
  const pair = (wl, server, field) => {
    const hi = find(cells, wl, 64, server);
    const lo = find(cells, wl, 1, server);
    return { hi: hi?.status === 'ok' ? hi[field] : NaN, lo: lo?.status === 'ok' ? lo[field] : NaN, hiCell: hi };
  };
  const why = (cell, server) => (cell && cell.status !== 'ok' ? ` (${server}: ${cell.reason ?? cell.status})` : '');

  for (const [wl, goal] of [['put', 0.5], ['get', 0.6], ['update', 0.6], ['query', 0.33]]) {
    const s = pair(wl, SUBJECT, 'cpuUsPerOp');
    const b = pair(wl, BASELINE, 'cpuUsPerOp');
    const r64 = s.hi / b.hi;
    const r1 = s.lo / b.lo;
    rows.push({
      target: `${WORKLOADS[wl].op}: server CPU per op vs dynalite-mem`,
      figure: Number.isFinite(r64)
        ? `${fmtX(r64)} (${fmtNum(s.hi, 1)} vs ${fmtNum(b.hi, 1)} µs) at c64; ${fmtX(r1)} at c1`
        : `–${why(s.hiCell, SUBJECT)}${why(b.hiCell, BASELINE)}`,
      goal: `≤ ${goal}×`,
      verdict: verdict(Number.isFinite(r64) ? r64 <= goal : null),
    });
  }
  for (const [wl, goal] of [['put', 2], ['get', 2], ['update', 2], ['query', 3]]) {
    const s = pair(wl, SUBJECT, 'opsPerSec');
    const b = pair(wl, BASELINE, 'opsPerSec');
    const m = pair(wl, 'moto', 'opsPerSec');
    const r64 = s.hi / b.hi;
    const rm = s.hi / m.hi;
    rows.push({
      target: `${WORKLOADS[wl].op}: throughput vs dynalite-mem`,
      figure: Number.isFinite(r64)
        ? `${fmtX(r64)} (${fmtInt(s.hi)} vs ${fmtInt(b.hi)} ops/s) at c64; ${fmtX(s.lo / b.lo)} at c1`
        : `–${why(s.hiCell, SUBJECT)}${why(b.hiCell, BASELINE)}`,
      goal: `≥ ${goal}×`,
      verdict: verdict(Number.isFinite(r64) ? r64 >= goal : null),
    });
    rows.push({
      target: `${WORKLOADS[wl].op}: throughput vs moto`,
      figure: Number.isFinite(rm) ? `${fmtX(rm)} (${fmtInt(s.hi)} vs ${fmtInt(m.hi)} ops/s) at c64` : `–${why(s.hiCell, SUBJECT)}${why(m.hiCell, 'moto')}`,
      goal: '≥ 10×',
      verdict: verdict(Number.isFinite(rm) ? rm >= 10 : null),
    });
  }
  // p99 at c64, judged separately for single-item operations and for the
  // multi-item ones: by Little's law a workload's mean latency at 64 in
  // flight is 64 / throughput, so a batch of 25 puts could only meet 10 ms
  // at 6,400 batches/s (160,000 items/s); the bare ceiling's own p99 in the
  // same cell shows what the machine allows.
  const at64 = cells.filter((c) => c.server === SUBJECT && c.concurrency === 64 && c.status === 'ok');
  for (const [label, names] of [
    ['single-item workloads', ['put', 'get', 'update', 'query', 'mix']],
    ['multi-item workloads (BatchWriteItem of 25, TransactWriteItems of 4)', ['batch', 'transact']],
  ]) {
    const group = at64.filter((c) => names.includes(c.workload));
    if (!group.length) {
      rows.push({ target: `p99 latency at concurrency 64, ${label}`, figure: '–', goal: '≤ 10 ms', verdict: verdict(null) });
      continue;
    }
    const worst = group.reduce((a, b) => (b.p99Us > a.p99Us ? b : a));
    const ceiling = find(cells, worst.workload, 64, 'ceiling');
    const bound = ceiling?.status === 'ok' ? `; the ceiling's own p99 on ${worst.workload}: ${fmtMs(ceiling.p99Us)} ms` : '';
    rows.push({
      target: `p99 latency at concurrency 64, ${label} (worst)`,
      figure: `${fmtMs(worst.p99Us)} ms (${worst.workload}); ${group.map((c) => `${c.workload} ${fmtMs(c.p99Us)}`).join(', ')}${bound}`,
      goal: '≤ 10 ms',
      verdict: verdict(worst.p99Us <= 10_000),
    });
  }
  const sc = scale?.find((s) => s.server === SUBJECT && s.status === 'ok');
  rows.push({
    target: 'Bulk load through BatchWriteItem',
    figure: sc ? `${fmtInt(sc.itemsPerSec)} items/s (${fmtInt(sc.itemsLoaded)} items)` : '–',
    goal: '≥ 50,000 items/s',
    verdict: verdict(sc ? sc.itemsPerSec >= 50_000 : null),
  });
  rows.push({
    target: 'RSS with the scale table loaded',
    figure: sc
      ? `${fmtNum(sc.rssMB)} MB (${fmtNum(sc.anonMB)} MB anonymous + ${fmtNum(sc.fileMB)} MB mapped file pages; peak ${fmtNum(sc.hwmMB)} MB; ${fmtInt(sc.itemsLoaded)} items)`
      : '–',
    goal: '≤ 300 MB at 1M items',
    verdict: verdict(sc && sc.itemsLoaded >= 1_000_000 ? sc.rssMB <= 300 : null),
  });
  rows.push({
    target: 'Restart-to-ready with the scale table (after kill -9)',
    figure: sc && Number.isFinite(sc.restartMs) ? `${fmtInt(sc.restartMs)} ms` : '–',
    goal: '≤ 1,000 ms',
    verdict: verdict(sc && Number.isFinite(sc.restartMs) ? sc.restartMs <= 1000 : null),
  });
  const starts = ['openddb-disk', 'openddb-mem'].map((n) => startup.find((s) => s.server === n && s.status === 'ok')).filter(Boolean);
  rows.push({
    target: 'Cold start to first answered request',
    figure: starts.length ? starts.map((s) => `${s.server} ${fmtInt(s.coldStartMs)} ms`).join(', ') : '–',
    goal: '≤ 150 ms',
    verdict: verdict(starts.length ? starts.every((s) => s.coldStartMs <= 150) : null),
  });
  rows.push({
    target: 'Idle RSS',
    figure: starts.length ? starts.map((s) => `${s.server} ${fmtNum(s.idleRssMB)} MB`).join(', ') : '–',
    goal: '≤ 60 MB',
    verdict: verdict(starts.length ? starts.every((s) => s.idleRssMB <= 60) : null),
  });
  return rows;
}

function table(header, rows) {
  // Figures align right; the first (names) and last (notes) columns read better left.
  const align = header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:'));
  const lines = [`| ${header.join(' | ')} |`, `|${align.join('|')}|`];
  // A table cell is one line, and a '|' inside it would open a new cell.
  const cell = (v) => String(v ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

const servers = (cells) => [...new Set(cells.map((c) => c.server))];
const okCell = (cells, workload, concurrency, server) => {
  const c = find(cells, workload, concurrency, server);
  return c?.status === 'ok' ? c : undefined;
};
const opsAndCpu = (c) => (c ? `${fmtInt(c.opsPerSec)} · ${fmtNum(c.cpuUsPerOp, 0)} µs` : '–');

/**
 * Every server's throughput and server CPU per op at concurrency 64, one
 * row per server: the figures the issues quote side by side.
 */
function sideBySide(cells, workloads, startup) {
  const names = servers(cells).filter((n) => cells.some((c) => c.server === n && c.concurrency === 64 && c.status === 'ok'));
  if (names.length < 2) return [];
  const rows = names.map((n) => [n, ...workloads.map((w) => opsAndCpu(okCell(cells, w, 64, n))), startup?.find((s) => s.server === n)?.note ?? '']);
  for (const s of startup ?? []) if (s.status !== 'ok') rows.push([s.server, ...workloads.map(() => '–'), `not available: ${s.reason}`]);
  return [
    '## Side by side at concurrency 64',
    '',
    'Each cell: ops/s · server CPU µs per op (all its threads and processes). Details and c1 in the per-workload tables below.',
    '',
    table(['server', ...workloads.map((w) => WORKLOADS[w].op), 'notes'], rows),
    '',
  ];
}

/**
 * openddb on disk at each worker count (`--workers`): throughput, its
 * multiple of one worker's, and server CPU per op summed over the primary
 * and its workers.
 */
function workersScaling(cells, workloads, meta, startup) {
  // The worker counts measured: openddb-disk is 1, openddb-disk-w<N> is N (from --workers or --servers).
  const counts = [...new Set(cells.map((c) => (c.server === 'openddb-disk' ? 1 : Number(/^openddb-disk-w(\d+)$/.exec(c.server)?.[1]))))]
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  if (counts.length < 2) return [];
  const name = (n) => (n === 1 ? 'openddb-disk' : `openddb-disk-w${n}`);
  const rows = [];
  for (const w of workloads) {
    for (const conc of [64, 1]) {
      const one = okCell(cells, w, conc, name(counts[0]));
      const row = [`${WORKLOADS[w].op} c${conc}`];
      let any = false;
      for (const n of counts) {
        const c = okCell(cells, w, conc, name(n));
        if (!c) {
          const bad = find(cells, w, conc, name(n));
          row.push(bad && bad.status !== 'skipped' ? bad.status : '–');
          continue;
        }
        any = true;
        const x = one && n !== counts[0] ? ` (${fmtX(c.opsPerSec / one.opsPerSec)})` : '';
        // The primary's share, then each worker's: an uneven split means the kernel gave one worker most connections.
        const split = c.cpuSplit?.length > 1 ? ` (${c.cpuSplit.map((f) => Math.round(f * 100)).join('/')} %)` : '';
        row.push(`${fmtInt(c.opsPerSec)}${x} · ${fmtNum(c.cpuUsPerOp, 0)} µs · ${c.processes ?? '?'} proc.${split}`);
      }
      if (any) rows.push(row);
    }
  }
  if (!rows.length) return [];
  return [
    `## openddb-disk by worker count (\`serve --workers N\`)`,
    '',
    `Each cell: ops/s (× the ${counts[0]}-worker figure) · server CPU µs per op summed over every process of the server · ` +
      'processes measured (each one\'s share of that CPU, the primary first). ' +
      `With ${meta.cpus} cores shared by the server and the load generator, more workers than cores cannot add throughput.`,
    '',
    table(['workload', ...counts.map((n) => `${n} worker${n === 1 ? '' : 's'}${n === 1 ? ' (no flag)' : ''}`)], rows),
    '',
    ...counts
      .map((n) => startup?.find((s) => s.server === name(n) && s.status !== 'ok'))
      .filter(Boolean)
      .flatMap((s) => [`${s.server}: not available: ${s.reason}`, '']),
  ];
}

/** The markdown report. */
/**
 * openddb on PostgreSQL (issue 12): per cell, the CPU split between openddb
 * and the database, and the statements (round trips) per operation.
 */
function onPostgres(cells) {
  const pg = cells.filter((c) => c.status === 'ok' && c.roundTripsPerOp !== undefined);
  if (pg.length === 0) return [];
  return [
    '## openddb on PostgreSQL: round trips and database CPU',
    '',
    'CPU per operation counts openddb and every PostgreSQL process (postmaster, backends, WAL writer) of the',
    "bench's own cluster; round trips are the statements openddb sent (openddb_storage_round_trips_total),",
    'background work (leases, sweeps) included.',
    '',
    table(
      ['server', 'workload', 'c', 'ops/s', 'p50', 'p99', 'CPU µs/op (all)', 'of which PostgreSQL', 'round trips/op'],
      pg.map((c) => [
        c.server,
        c.workload,
        String(c.concurrency),
        fmtInt(c.opsPerSec),
        `${(c.p50Us / 1000).toFixed(2)} ms`,
        `${(c.p99Us / 1000).toFixed(2)} ms`,
        fmtNum(c.cpuUsPerOp, 0),
        fmtNum(c.dbCpuUsPerOp, 0),
        c.roundTripsPerOp.toFixed(2),
      ]),
    ),
    '',
  ];
}

export function toMarkdown(result, { baseline } = {}) {
  const { meta, cells, startup, scale, targets } = result;
  const out = [];
  out.push(`# openddb benchmark (${meta.mode})`);
  out.push('');
  out.push(
    `${meta.date} · ${meta.cpus}× ${meta.cpuModel}, ${meta.memGB} GB RAM · Node ${meta.node} · Linux ${meta.kernel} · ` +
      `load average at start ${meta.loadAvg}`,
  );
  out.push('');
  out.push(
    `**The ${meta.cpus} cores are shared by the server under test and the load generator**, so throughput is a joint ` +
      `figure; server CPU per operation (read from /proc for the server process alone) is the steadier one. ` +
      `Load generator: ${meta.client}. ${meta.timing}. Latencies are client-side, per request.`,
  );
  out.push('');

  const others = cells.filter((c) => c.status === 'ok' && Number.isFinite(c.otherCpuShare)).map((c) => c.otherCpuShare).sort((a, b) => a - b);
  const medianOthers = others.length ? others[Math.floor(others.length / 2)] : 0;
  if (medianOthers > 0.3) {
    out.push(
      `> **Warning: other processes used ${medianOthers.toFixed(1)} of the ${meta.cpus} cores during a typical cell of this run** ` +
        '(column *others*). Throughput and latency are unreliable; CPU µs/op is inflated too, though less. Re-run on a quiet machine before quoting.',
    );
    out.push('');
  }
  out.push(`Servers: ${Object.entries(meta.servers).map(([k, v]) => `**${k}** (${v})`).join(' · ')}`);
  out.push('');

  if (targets?.length) {
    out.push(`## Targets (${SUBJECT} against its peers; informational, never a gate)`);
    out.push('');
    out.push(table(['target', 'measured', 'goal', 'verdict'], targets.map((t) => [t.target, t.figure, t.goal, t.verdict])));
    out.push('');
  }

  if (startup.length) {
    out.push('## Start-up and memory');
    out.push('');
    out.push(
      table(
        ['server', 'cold start to first answer', 'idle RSS', 'RSS after the workloads', 'notes'],
        startup.map((s) =>
          s.status === 'ok'
            ? [s.server, `${fmtInt(s.coldStartMs)} ms`, `${fmtNum(s.idleRssMB)} MB`, `${fmtNum(s.finalRssMB)} MB`, s.note ?? '']
            : [s.server, '–', '–', '–', `not available: ${s.reason}`],
        ),
      ),
    );
    out.push('');
  }

  const workloads = Object.keys(WORKLOADS).filter((w) => cells.some((c) => c.workload === w));
  out.push(...sideBySide(cells, workloads, startup));
  out.push(...workersScaling(cells, workloads, meta, startup));
  out.push(...onPostgres(cells));
  for (const wl of workloads) {
    out.push(`## ${WORKLOADS[wl].title}`);
    out.push('');
    // Cells skipped on purpose (moto's subset in quick mode) are said once in the header, not per row.
    const rows = cells
      .filter((c) => c.workload === wl && c.status !== 'skipped')
      .sort((a, b) => a.concurrency - b.concurrency)
      .map((c) => {
        if (c.status !== 'ok') {
          const why = c.status === 'not available' ? 'not available (see Start-up and memory)' : `${c.status}: ${c.reason}`;
          return [c.server, c.concurrency, why, '', '', '', '', '', '', '', '', ''];
        }
        return [
          c.server,
          c.concurrency,
          fmtInt(c.opsPerSec),
          fmtMs(c.p50Us),
          fmtMs(c.p99Us),
          fmtNum(c.cpuUsPerOp, 1),
          fmtX(c.opsVsDynalite),
          fmtX(c.cpuVsDynalite),
          fmtPct(c.opsVsCeiling),
          fmtX(c.cpuVsCeiling),
          `${fmtPct(c.serverCpuShare)} / ${fmtPct(c.clientCpuShare)} / ${fmtPct(c.otherCpuShare)}`,
          c.errorCount ? `${c.errorCount} (${c.firstError.slice(0, 80)})` : '0',
        ];
      });
    out.push(
      table(
        [
          'server',
          'conc.',
          'ops/s',
          'p50 ms',
          'p99 ms',
          'server CPU µs/op',
          'ops/s ÷ dynalite',
          'CPU ÷ dynalite',
          'ops/s of ceiling',
          'CPU ÷ ceiling',
          'CPU busy: srv / gen / others',
          'errors',
        ],
        rows,
      ),
    );
    if (WORKLOADS[wl].itemsPerOp) out.push(`\nOne op = one request of ${WORKLOADS[wl].itemsPerOp} items.`);
    out.push('');
  }

  if (scale?.length) {
    out.push('## Scale run');
    out.push('');
    out.push(
      table(
        ['server', 'items loaded', 'items/s', 'server CPU µs/item', 'on disk', 'RSS = anon + file (peak)', 'restart to ready', 'GetItem c1 / c64 ops/s', 'GetItem p99 c64', 'Query c1 / c64 ops/s', 'Query p99 c64', 'notes'],
        scale.map((s) =>
          s.status === 'ok'
            ? [
                s.server,
                fmtInt(s.itemsLoaded),
                fmtInt(s.itemsPerSec),
                fmtNum(s.cpuUsPerItem, 1),
                Number.isFinite(s.diskMB) ? `${fmtNum(s.diskMB)} MB` : '–',
                `${fmtNum(s.rssMB)} MB = ${fmtNum(s.anonMB)} + ${fmtNum(s.fileMB)} (peak ${fmtNum(s.hwmMB)})`,
                Number.isFinite(s.restartMs) ? `${fmtInt(s.restartMs)} ms` : '–',
                `${fmtInt(s.get1)} / ${fmtInt(s.get64)}`,
                `${fmtMs(s.getP99Us)} ms`,
                `${fmtInt(s.query1)} / ${fmtInt(s.query64)}`,
                `${fmtMs(s.queryP99Us)} ms`,
                s.notes.join('; '),
              ]
            : [s.server, '–', '–', '–', '–', '–', '–', '–', '–', '–', '–', `${s.status}: ${s.reason}`],
        ),
      ),
    );
    out.push('');
  }

  if (baseline) {
    out.push(`## Change against ${baseline.name} (${baseline.result.meta.date}, ${baseline.result.meta.mode})`);
    out.push('');
    const baseCells = new Map(baseline.result.cells.map((c) => [cellKey(c), c]));
    const rows = [];
    for (const c of cells) {
      const b = baseCells.get(cellKey(c));
      if (!c.server.startsWith('openddb') || c.status !== 'ok' || b?.status !== 'ok') continue;
      const d = (x, y) => `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(0)}%`;
      rows.push([`${c.workload} c${c.concurrency}`, c.server, `${fmtInt(b.opsPerSec)} → ${fmtInt(c.opsPerSec)} (${d(c.opsPerSec, b.opsPerSec)})`, `${fmtNum(b.cpuUsPerOp, 1)} → ${fmtNum(c.cpuUsPerOp, 1)} (${d(c.cpuUsPerOp, b.cpuUsPerOp)})`]);
    }
    out.push(rows.length ? table(['cell', 'server', 'ops/s', 'server CPU µs/op'], rows) : 'No openddb cells in common.');
    out.push('');
  }

  const base = cells.filter((c) => c.server === 'openddb-disk-base' && c.status === 'ok');
  if (base.length) {
    out.push('## openddb-disk against openddb-disk-base (the other build, same run)');
    out.push('');
    const d = (x, y) => `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(1)}%`;
    const rows = [];
    for (const b of base) {
      const c = okCell(cells, b.workload, b.concurrency, 'openddb-disk');
      if (!c) continue;
      rows.push([`${b.workload} c${b.concurrency}`, `${fmtInt(b.opsPerSec)} → ${fmtInt(c.opsPerSec)} (${d(c.opsPerSec, b.opsPerSec)})`, `${fmtNum(b.cpuUsPerOp, 1)} → ${fmtNum(c.cpuUsPerOp, 1)} (${d(c.cpuUsPerOp, b.cpuUsPerOp)})`]);
    }
    out.push(rows.length ? table(['cell', 'ops/s', 'server CPU µs/op'], rows) : 'No cell measured on both.');
    out.push('');
  }

  out.push('How to read this: bench/README.md.');
  return `${out.join('\n')}\n`;
}

/** Writes `<name>.md` and `<name>.json` into dir; returns their paths. */
export function writeResults(dir, name, result, markdown) {
  mkdirSync(dir, { recursive: true });
  const md = path.join(dir, `${name}.md`);
  const json = path.join(dir, `${name}.json`);
  writeFileSync(md, markdown);
  // One line per cell keeps the file small and its diffs readable.
  const field = ([k, v]) =>
    Array.isArray(v)
      ? `${JSON.stringify(k)}: [\n${v.map((x) => `  ${JSON.stringify(x, roundFloats)}`).join(',\n')}\n]`
      : `${JSON.stringify(k)}: ${JSON.stringify(v, roundFloats)}`;
  writeFileSync(json, `{\n${Object.entries(result).map(field).join(',\n')}\n}\n`);
  return { md, json };
}

function roundFloats(_key, value) {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}

export function readBaseline(file) {
  return { name: path.basename(file), result: JSON.parse(readFileSync(file, 'utf8')) };
}

export const serverLabel = (name) => SERVERS[name]?.label ?? name;
