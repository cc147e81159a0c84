#!/usr/bin/env node
/**
 * @module In-process cost of `--auth` per request (issue 13's "≤ 10 µs of
 * server CPU with a cached signing key"): SigV4 verification of a request
 * signed exactly as the AWS SDK v3 signs a GetItem (its nine signed
 * headers, x-amz-content-sha256 included), and the policy check of that
 * request against the bench's allow-all identity. Reads the compiled
 * modules under dist/ (run `npx tsc -p tsconfig.json` or `npm run build`
 * first). Prints CPU µs per call (process.cpuUsage: time the machine's
 * other load takes is not counted), the median of `--rounds` rounds.
 * `--base DIR` (another build's dist/) measures that build's modules too,
 * round for round in alternation, for a before → after comparison.
 *
 * `--pollute KB` walks a buffer of that many KB between two calls (its own
 * cost measured alone and subtracted), so each call finds the caches as a
 * server's request does: holding the parser's, the dispatcher's and the
 * store's data rather than its own.
 *
 *   node bench/auth-verify.mjs [--iterations 100000] [--rounds 9] [--base /tmp/before/dist] [--pollute 2048]
 */
import { createHash, createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '9' },
    base: { type: 'string' },
    pollute: { type: 'string', default: '0' },
  },
});
const iterations = Number(args.iterations);
const rounds = Number(args.rounds);

/** One build's modules and the state the bench needs from them. */
async function loadBuild(name, dist) {
  const load = (p) => import(pathToFileURL(path.join(dist, 'src', p)).href);
  const { verifySignature } = await load('auth/sigv4.js');
  const { parseAuthConfig } = await load('auth/identities.js');
  const { authorize } = await load('api/authorize.js');
  const { openDatabase } = await load('api/open-database.js');
  const { MemoryEngine } = await load('storage/memory-engine.js');
  const { createTable } = await load('api/tables/create-table.js');
  const config = parseAuthConfig(readFileSync(path.join(REPO, 'bench/auth.json'), 'utf8'));
  const db = await openDatabase(new MemoryEngine());
  await createTable.run({ db, requestId: 'bench' }, {
    TableName: 'bench', BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  });
  return { name, verifySignature, authorize, config, identity: [...config.identities.values()][0], db };
}

const builds = [...(args.base ? [await loadBuild('base', path.resolve(args.base))] : []), await loadBuild('this', path.join(REPO, 'dist'))];
const identity = builds[0].identity;
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** A GetItem as SDK v3 sends it (headers captured from @aws-sdk/client-dynamodb 3.x), signed now. */
function sdkRequest() {
  const body = Buffer.from('{"TableName":"bench","Key":{"pk":{"S":"user#000123"},"sk":{"S":"0"}}}');
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'amz-sdk-invocation-id': '7ab20b26-4374-48b4-a5b9-1e533ec659eb',
    'amz-sdk-request': 'attempt=1; max=1',
    'content-length': String(body.length),
    'content-type': 'application/x-amz-json-1.0',
    host: '127.0.0.1:8000',
    'x-amz-content-sha256': sha256(body),
    'x-amz-date': amzDate,
    'x-amz-target': 'DynamoDB_20120810.GetItem',
    'x-amz-user-agent': 'aws-sdk-js/3.1161.0',
  };
  const names = Object.keys(headers);
  const canonical = `POST\n/\n\n${names.map((n) => `${n}:${headers[n]}\n`).join('')}\n${names.join(';')}\n${headers['x-amz-content-sha256']}`;
  const scope = `${day}/us-east-1/dynamodb/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${identity.secretAccessKey}`, day), 'us-east-1'), 'dynamodb'), 'aws4_request');
  const signature = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`).digest('hex');
  return {
    method: 'POST', path: '/', query: '', body,
    headers: {
      ...headers,
      'user-agent': 'aws-sdk-js/3.1161.0 ua/2.1 os/linux lang/js md/nodejs#20.20.2 api/dynamodb#3.1161.0 m/N,E,P,e',
      authorization: `AWS4-HMAC-SHA256 Credential=${identity.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
      connection: 'keep-alive',
    },
  };
}

const req = sdkRequest();
const input = JSON.parse(req.body.toString());
const now = Date.now();
for (const b of builds) {
  const lookup = (id) => b.config.identities.get(id);
  const verified = b.verifySignature(req, now, lookup);
  if (!('credential' in verified)) throw new Error(`the bench's request does not verify (${b.name}): ${verified.message}`);
  b.steps = [
    ['verifySignature (SDK v3 GetItem, cached signing key)', () => b.verifySignature(req, now, lookup)],
    ['authorize (allow-all policy, GetItem)', () => b.authorize(b.db, b.identity, 'GetItem', input, '127.0.0.1', false)],
  ];
}

const median = (xs) => Float64Array.from(xs).sort()[Math.floor(xs.length / 2)];
const junk = new Int32Array((Number(args.pollute) * 1024) / 4);
let sink = 0;
/** Touches every cache line of `junk`. */
function pollute() {
  for (let i = 0; i < junk.length; i += 16) sink += junk[i]++;
}

/**
 * µs per call of one round: CPU time over the round; with --pollute, the
 * median of each call's own wall-clock time (the walks between calls
 * excluded; a median ignores the calls the machine's other load preempted),
 * minus the clock's own cost.
 */
function round(fn) {
  if (junk.length === 0) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / iterations;
  }
  const times = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    pollute();
    const t0 = performance.now();
    fn();
    times[i] = performance.now() - t0;
  }
  return median(times) * 1000 - clockUs;
}

let clockUs = 0;
if (junk.length > 0) {
  clockUs = round(() => {});
  console.log(`(a ${args.pollute} KB walk between calls; the clock's own ${(clockUs * 1000).toFixed(0)} ns subtracted)`);
}

const results = builds.map(() => [[], []]);
for (const b of builds) for (const [, fn] of b.steps) for (let i = 0; i < iterations / 2; i++) fn();
for (let r = 0; r < rounds; r++) {
  for (let s = 0; s < 2; s++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) results[builds.indexOf(b)][s].push(round(b.steps[s][1]));
  }
}
const header = builds.map((b) => `${b.name}: CPU µs per request (median; min)`);
console.log(`| step | ${header.join(' | ')} |\n| --- |${builds.map(() => ' ---: |').join('')}`);
for (let s = 0; s < 2; s++) {
  console.log(`| ${builds[0].steps[s][0]} | ${results.map((r) => `${median(r[s]).toFixed(2)} (${Math.min(...r[s]).toFixed(2)})`).join(' | ')} |`);
}
console.log(`| total | ${results.map((r) => (median(r[0]) + median(r[1])).toFixed(2)).join(' | ')} |`);
for (const b of builds) await b.db.close?.();
