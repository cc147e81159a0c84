// What the metrics cost per request, measured in-process (no HTTP, no
// client): handleRequest() of server/dynamo-protocol over an in-memory
// database, run sequentially, CPU time per request from process.cpuUsage().
// Compares builds given as dist directories (e.g. main's and this branch's),
// and, for a build that has metrics, with and without them switched on.
//
//   node bench/metrics-overhead.mjs [--n 20000] [--rounds 5] [--micro-only] DIST [DIST...]
//
// Prints µs of CPU per request, median of the rounds; rounds alternate
// between the configurations so machine noise hits them alike.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';

const { values, positionals } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    'micro-only': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const dists = positionals.length > 0 ? positionals : ['dist'];

async function load(dist) {
  const root = resolve(dist, 'src');
  const mod = (p) => import(resolve(root, p));
  const [{ handleRequest }, { Dispatcher }, { openDatabase }, { allOperations }, { openEngine }] = await Promise.all([
    mod('server/dynamo-protocol.js'),
    mod('api/dispatcher.js'),
    mod('api/open-database.js'),
    mod('api/all-operations.js'),
    mod('storage/open-engine.js'),
  ]);
  const hasMetrics = existsSync(resolve(root, 'metrics/server-metrics.js'));
  const metricsMod = hasMetrics ? await mod('metrics/server-metrics.js') : undefined;
  const observerMod = hasMetrics ? await mod('server/request-observer.js') : undefined;
  return { handleRequest, Dispatcher, openDatabase, allOperations, openEngine, metricsMod, observerMod };
}

async function setup(m, withMetrics) {
  const engine = await m.openEngine({ inMemory: true });
  const metrics = withMetrics ? new m.metricsMod.ServerMetrics() : undefined;
  const db = await m.openDatabase(engine, metrics ? { meter: metrics } : {});
  const dispatcher = new m.Dispatcher(db, m.allOperations);
  const ctx = { dispatcher, log: () => {} };
  if (metrics) ctx.observer = new m.observerMod.RequestObserver({ metrics, log: () => {} });
  const send = (target, body) =>
    m.handleRequest(
      {
        method: 'POST',
        url: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${target}`,
          authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
          'x-amz-date': '20260101T000000Z',
        },
        body: Buffer.from(JSON.stringify(body)),
      },
      ctx,
    );
  await send('CreateTable', {
    TableName: 'bench',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  for (let i = 0; i < 10; i++) {
    await send('PutItem', { TableName: 'bench', Item: { pk: { S: 'q' }, sk: { S: `s${i}` }, data: { S: 'x'.repeat(100) }, n: { N: '1' } } });
  }
  return { send, engine };
}

const workloads = {
  GetItem: (i) => ['GetItem', { TableName: 'bench', Key: { pk: { S: 'q' }, sk: { S: `s${i % 10}` } } }],
  PutItem: (i) => ['PutItem', { TableName: 'bench', Item: { pk: { S: `p${i % 1000}` }, sk: { S: 'a' }, data: { S: 'x'.repeat(100) } } }],
  'UpdateItem (cond + ADD)': (i) => [
    'UpdateItem',
    { TableName: 'bench', Key: { pk: { S: 'q' }, sk: { S: `s${i % 10}` } }, UpdateExpression: 'ADD n :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':one': { N: '1' } } },
  ],
  'Query (10 items)': () => ['Query', { TableName: 'bench', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'q' } } }],
};

async function measure(server, make) {
  const bodies = Array.from({ length: 64 }, (_, i) => make(i));
  for (let i = 0; i < 2000; i++) await server.send(...bodies[i % 64]);
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const res = await server.send(...bodies[i % 64]);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${res.body}`);
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / N;
}

const configs = [];
for (const dist of values['micro-only'] ? [] : dists) {
  const m = await load(dist);
  configs.push({ name: `${dist}${m.metricsMod ? ' (metrics off)' : ''}`, server: await setup(m, false) });
  if (m.metricsMod) configs.push({ name: `${dist} (metrics on)`, server: await setup(m, true) });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (configs.length > 0) console.log(`| workload | ${configs.map((c) => c.name).join(' | ')} |`);
if (configs.length > 0) console.log(`|---|${configs.map(() => '---:').join('|')}|`);
for (const [name, make] of configs.length > 0 ? Object.entries(workloads) : []) {
  const samples = configs.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let c = 0; c < configs.length; c++) samples[c].push(await measure(configs[c].server, make));
  }
  console.log(`| ${name} | ${samples.map((s) => `${median(s).toFixed(2)} µs`).join(' | ')} |`);
}
for (const c of configs) await c.server.engine.close();

// The recording calls alone, in ns per call: what the edge adds per request
// (latency histogram by table and operation) and what the data plane adds
// (a capacity increment by table).
for (const dist of dists) {
  const m = await load(dist);
  if (!m.metricsMod) continue;
  const metrics = new m.metricsMod.ServerMetrics();
  const observer = new m.observerMod.RequestObserver({ metrics, log: () => {} });
  const input = { TableName: 'bench', Key: {} };
  const CALLS = 2_000_000;
  const time = (fn) => {
    for (let i = 0; i < 100_000; i++) fn(i);
    const t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) fn(i);
    return Number(process.hrtime.bigint() - t) / CALLS;
  };
  const other = { TableName: 'other', Key: {} };
  console.log(`\n${dist}: observer.succeeded ${time(() => observer.succeeded('GetItem', input, observer.now(), 'id')).toFixed(1)} ns/call;`
    + ` same, alternating two tables ${time((i) => observer.succeeded('GetItem', i & 1 ? input : other, observer.now(), 'id')).toFixed(1)} ns/call;`
    + ` meter.read ${time((i) => metrics.read('bench', 0.5)).toFixed(1)} ns/call;`
    + ` performance.now() ${time(() => performance.now()).toFixed(1)} ns/call (inside the first two)`);
}
