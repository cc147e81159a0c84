// What point-in-time recovery costs a PutItem (issue 14), in-process over
// the Dispatcher (no HTTP), on the embedded LMDB engine (--memory: the
// in-memory engine): user and system CPU time per request, PITR off and on,
// each in a fresh process (alternating, --runs of each) so neither inherits
// the other's JIT or heap. --concurrency puts in flight at once (16: LMDB
// batches them into shared commits; 1: every put its own commit and fsync).
// Overwrites of 1,000 items of ~230 bytes, so old images exist. For a
// repeatable figure on a busy machine use bench/cpu-per-op.mjs --callgrind
// with OPENDDB_BENCH_PITR=1 (bench/README.md).
//
//   npm run build && node bench/pitr-overhead.mjs [--puts 4000] [--concurrency 16] [--runs 3] [--memory]
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openInProcess } from './in-process.mjs';

const { values } = parseArgs({
  options: {
    puts: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '16' },
    runs: { type: 'string', default: '3' },
    memory: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const PUTS = Number(values.puts);
const C = Number(values.concurrency);

if (values.child !== undefined) {
  // One measurement: PITR on (child=1) or off (child=0); prints JSON.
  const { call, close } = await openInProcess({ name: 'pitr', memory: values.memory });
  await call('CreateTable', {
    TableName: 'bench',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  if (values.child === '1') {
    await call('UpdateContinuousBackups', { TableName: 'bench', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  }
  const put = (k) => call('PutItem', { TableName: 'bench', Item: { pk: { S: `k${k % 1000}` }, v: { N: String(k) }, payload: { S: 'x'.repeat(200) } } });
  const load = async (count) => {
    let i = 0;
    await Promise.all(Array.from({ length: C }, async () => { while (i < count) await put(i++); }));
  };
  await load(Math.min(PUTS, 2000)); // warm-up: the JIT, and every item exists
  const start = process.cpuUsage();
  await load(PUTS);
  const used = process.cpuUsage(start);
  await close();
  console.log(JSON.stringify({ user: used.user / PUTS, system: used.system / PUTS }));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const results = { 0: [], 1: [] };
for (let r = 0; r < Number(values.runs); r++) {
  for (const pitr of r % 2 === 0 ? ['0', '1'] : ['1', '0']) {
    const args = [self, '--child', pitr, '--puts', String(PUTS), '--concurrency', String(C), ...(values.memory ? ['--memory'] : [])];
    results[pitr].push(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (pitr) => {
  const user = median(results[pitr].map((x) => x.user));
  const total = median(results[pitr].map((x) => x.user + x.system));
  return { user, total };
};
const off = row('0');
const on = row('1');
console.log(`\n## PutItem CPU per request, PITR off and on (${values.memory ? 'memory' : 'lmdb'}, ${PUTS} puts, ${C} at a time, median of ${values.runs} runs)\n`);
console.log('| PITR | user µs/op | user+system µs/op |');
console.log('| --- | ---: | ---: |');
console.log(`| off | ${off.user.toFixed(1)} | ${off.total.toFixed(1)} |`);
console.log(`| on | ${on.user.toFixed(1)} | ${on.total.toFixed(1)} |`);
console.log(`\nPITR overhead: ${(((on.user - off.user) / off.user) * 100).toFixed(1)} % user CPU, ${(((on.total - off.total) / off.total) * 100).toFixed(1)} % user+system CPU per PutItem`);
