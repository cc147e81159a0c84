/**
 * @module The pressure modes' cost and the contention experiment (issue 16,
 * docs/pressure.md). Two parts, one table each:
 *
 * 1. Cost: PutItem and GetItem at concurrency 16 against openddb in memory
 *    from this build with every mode off, from a base build (`--base-cli`,
 *    e.g. main) if given, and from this build with each mode on (throttling
 *    on an on-demand table, which never refuses this load; lag; a fault rule
 *    that matches but never fires; contention mode). Server CPU µs per
 *    request (from /proc) and requests per second, cells interleaved over
 *    `--rounds` rounds, medians reported.
 * 2. Contention: 20 clients moving amounts between 10 accounts with
 *    TransactWriteItems (no retries) for `--seconds`, in memory and on disk,
 *    with and without `--txn-ms`: the share cancelled as TransactionConflict.
 *
 *   npm run build && node bench/pressure.mjs [--base-cli /tmp/main/dist/openddb.mjs] [--seconds 3] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { call, callOk, rawRequest } from './protocol.mjs';
import { runLoad } from './load.mjs';
import { cpuDelta, cpuSample } from './proc.mjs';
import { freePort, REPO_DIR } from './servers.mjs';

const { values } = parseArgs({
  options: {
    'base-cli': { type: 'string' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'skip-contention': { type: 'boolean', default: false },
  },
});
const CLI = path.join(REPO_DIR, 'dist/openddb.mjs');
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

async function start(cli, args) {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 15_000);
    child.stdout.on('data', () => {
      if (/listening on/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    port,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

const TABLE = {
  TableName: 'bench',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};

async function measure(server, workload) {
  const port = server.port;
  const requests = [];
  for (let i = 0; i < 256; i++) {
    const key = { pk: { S: `k${i}` } };
    requests.push(
      workload === 'put'
        ? rawRequest(port, 'PutItem', { TableName: 'bench', Item: { ...key, v: { S: 'x'.repeat(100) } } })
        : rawRequest(port, 'GetItem', { TableName: 'bench', Key: key }),
    );
  }
  let before;
  let after;
  const result = await runLoad({
    port,
    connections: 16,
    requests,
    durationMs: SECONDS * 1000,
    onStart: () => (before = cpuSample(server.pid)),
    onEnd: () => (after = cpuSample(server.pid)),
  });
  const cpu = cpuDelta(before, after).ns;
  const ok = result.ok;
  if (result.errorCount > 0) throw new Error(`${workload}: ${result.errorCount} errors, e.g. ${result.firstError}`);
  return { ops: result.opsPerSec, cpuUsPerOp: ok > 0 ? cpu / 1000 / ok : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function costTable() {
  const cells = [
    ...(values['base-cli'] ? [['base build, modes off', values['base-cli'], []]] : []),
    ['this build, modes off', CLI, []],
    ['--throttle (on-demand table)', CLI, ['--throttle']],
    ['--lag-ms 50', CLI, ['--lag-ms', '50']],
    ['--faults 500:0:Scan (matches nothing)', CLI, ['--faults', '500:0:Scan']],
    ['--faults 500:0 (rule consulted, never fires)', CLI, ['--faults', '500:0']],
    ['--txn-ms 10', CLI, ['--txn-ms', '10']],
  ];
  const results = new Map(cells.map(([name]) => [name, { put: [], get: [], putOps: [], getOps: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cli, args] of cells) {
      const server = await start(cli, ['--in-memory', ...args]);
      try {
        await callOk(server.port, 'CreateTable', TABLE);
        for (const workload of ['put', 'get']) {
          // Warm-up: the JIT needs a few seconds of this load before the figures settle.
          await measure(server, workload);
          await measure(server, workload);
          const m = await measure(server, workload);
          const r = results.get(name);
          r[workload].push(m.cpuUsPerOp);
          r[`${workload}Ops`].push(m.ops);
        }
      } finally {
        await server.stop();
      }
    }
  }
  const base = results.get('this build, modes off');
  console.log(`\n### Cost of the pressure modes (in memory, c16, ${SECONDS} s cells, median of ${ROUNDS} rounds)\n`);
  console.log('| server | PutItem CPU µs/op | PutItem ops/s | GetItem CPU µs/op | GetItem ops/s |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, r] of results) {
    const rel = (w) => (r === base ? '' : ` (${(((median(r[w]) / median(base[w])) - 1) * 100).toFixed(1)} %)`);
    console.log(
      `| ${name} | ${median(r.put).toFixed(1)}${rel('put')} | ${Math.round(median(r.putOps))} | ${median(r.get).toFixed(1)}${rel('get')} | ${Math.round(median(r.getOps))} |`,
    );
  }
}

async function contention(storageArgs, extra) {
  const server = await start(CLI, [...storageArgs, ...extra]);
  try {
    await callOk(server.port, 'CreateTable', { ...TABLE, TableName: 'bank' });
    for (let i = 0; i < 10; i++) {
      await callOk(server.port, 'PutItem', { TableName: 'bank', Item: { pk: { S: `a${i}` }, balance: { N: '1000' } } });
    }
    let committed = 0;
    let conflicts = 0;
    let other = 0;
    const until = Date.now() + SECONDS * 1000;
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (Date.now() < until) {
          const from = Math.floor(rnd() * 10);
          const to = (from + 1 + Math.floor(rnd() * 9)) % 10;
          const res = await call(server.port, 'TransactWriteItems', {
            TransactItems: [
              { Update: { TableName: 'bank', Key: { pk: { S: `a${from}` } }, UpdateExpression: 'SET balance = balance - :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
              { Update: { TableName: 'bank', Key: { pk: { S: `a${to}` } }, UpdateExpression: 'SET balance = balance + :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
            ],
          });
          if (res.status === 200) committed++;
          else if (JSON.stringify(res.body).includes('TransactionConflict')) conflicts++;
          else other++;
        }
      }),
    );
    return { committed, conflicts, other };
  } finally {
    await server.stop();
  }
}

async function contentionTable() {
  console.log(`\n### Contention: 20 clients × 10 accounts, TransactWriteItems transfers, no retries, ${SECONDS} s\n`);
  console.log('| store | mode | committed | TransactionConflict | conflict share |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const [store, mode] of [
    ['in memory', []],
    ['in memory', ['--txn-ms', '10-30']],
    ['on disk (LMDB)', []],
    ['on disk (LMDB)', ['--txn-ms', '10-30']],
  ]) {
    const dir = store === 'in memory' ? undefined : mkdtempSync(path.join(os.tmpdir(), 'faults-bench-'));
    try {
      const r = await contention(dir === undefined ? ['--in-memory'] : ['--data', dir], mode);
      const share = r.conflicts / Math.max(1, r.committed + r.conflicts + r.other);
      console.log(`| ${store} | ${mode.length === 0 ? 'default' : mode.join(' ')} | ${r.committed} | ${r.conflicts} | ${(share * 100).toFixed(0)} %${r.other > 0 ? ` (${r.other} other errors)` : ''} |`);
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  }
}

await costTable();
if (!values['skip-contention']) await contentionTable();
process.exit(0);
