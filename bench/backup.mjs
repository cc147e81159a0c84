// Backups and point-in-time recovery (issue 14), measured in-process over
// the Dispatcher (no HTTP, no client), on the embedded LMDB engine in a
// temporary directory (--memory: the in-memory engine):
// - PutItem CPU time per request with point-in-time recovery off and on
//   (the change-log record in each write's commit, and the read of the old
//   item a blind write then needs), rounds alternating so machine noise hits
//   both alike; goal: PITR costs at most 10 % more;
// - CreateBackup, RestoreTableFromBackup and RestoreTableToPointInTime
//   rates in items per second, on a table of --items items.
//
//   npm run build && node bench/backup.mjs [--items 50000] [--puts 5000] [--rounds 5] [--memory]
import { parseArgs } from 'node:util';
import { openInProcess } from './in-process.mjs';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '50000' },
    puts: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    memory: { type: 'boolean', default: false },
  },
});
const ITEMS = Number(values.items);
const PUTS = Number(values.puts);
const ROUNDS = Number(values.rounds);

const { call, close } = await openInProcess({ name: 'backup', memory: values.memory });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const table = (name) => ({
  TableName: name,
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});
const item = (i, round = 0) => ({ pk: { S: `k${i}` }, round: { N: String(round) }, payload: { S: 'x'.repeat(200) } });

// --- PutItem CPU, PITR off and on ---------------------------------------
await call('CreateTable', table('put_off'));
await call('CreateTable', table('put_on'));
await call('UpdateContinuousBackups', { TableName: 'put_on', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
await sleep(300);
async function putRound(name, round) {
  const start = process.cpuUsage();
  const wall = performance.now();
  // Overwrites of 1,000 items: old images exist, as in a steady workload.
  for (let i = 0; i < PUTS; i++) await call('PutItem', { TableName: name, Item: item(i % 1000, round) });
  const cpu = process.cpuUsage(start);
  return { cpuUs: (cpu.user + cpu.system) / PUTS, wallUs: ((performance.now() - wall) * 1000) / PUTS };
}
const off = [];
const on = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  const a = await putRound('put_off', r);
  const b = await putRound('put_on', r);
  if (r > 0) {
    off.push(a);
    on.push(b);
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const offCpu = median(off.map((x) => x.cpuUs));
const onCpu = median(on.map((x) => x.cpuUs));

// --- backup and restore rates ------------------------------------------
await call('CreateTable', table('big'));
await call('UpdateContinuousBackups', { TableName: 'big', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
await sleep(300);
for (let i = 0; i < ITEMS; i += 25) {
  const batch = [];
  for (let j = i; j < Math.min(ITEMS, i + 25); j++) batch.push({ PutRequest: { Item: item(j) } });
  await call('BatchWriteItem', { RequestItems: { big: batch } });
}
async function timed(what, start, done) {
  const t0 = performance.now();
  const handle = await start();
  while (!(await done(handle))) await sleep(20);
  const s = (performance.now() - t0) / 1000;
  return { what, seconds: s, rate: ITEMS / s };
}
const rates = [];
rates.push(
  await timed(
    'CreateBackup',
    async () => (await call('CreateBackup', { TableName: 'big', BackupName: 'bench' })).BackupDetails.BackupArn,
    async (arn) => (await call('DescribeBackup', { BackupArn: arn })).BackupDescription.BackupDetails.BackupStatus === 'AVAILABLE',
  ),
);
const arn = (await call('ListBackups', { TableName: 'big' })).BackupSummaries[0].BackupArn;
const active = async (name) => (await call('DescribeTable', { TableName: name })).Table.TableStatus === 'ACTIVE';
rates.push(
  await timed('RestoreTableFromBackup', () => call('RestoreTableFromBackup', { BackupArn: arn, TargetTableName: 'big_from_backup' }), () => active('big_from_backup')),
);
// Some history to undo: 10 % of the items overwritten after the instant.
const instant = Date.now();
await sleep(5);
for (let i = 0; i < ITEMS / 10; i++) await call('PutItem', { TableName: 'big', Item: item(i * 10, 1) });
rates.push(
  await timed(
    'RestoreTableToPointInTime',
    () => call('RestoreTableToPointInTime', { SourceTableName: 'big', TargetTableName: 'big_pitr', RestoreDateTime: instant / 1000 }),
    () => active('big_pitr'),
  ),
);
await close();

const engineName = values.memory ? 'memory' : 'lmdb';
console.log(`\n## Point-in-time recovery: PutItem CPU per request (${engineName}, ${PUTS} puts × ${ROUNDS} rounds, median)\n`);
console.log('| PITR | CPU µs/op | wall µs/op |');
console.log('| --- | ---: | ---: |');
console.log(`| off | ${offCpu.toFixed(1)} | ${median(off.map((x) => x.wallUs)).toFixed(1)} |`);
console.log(`| on | ${onCpu.toFixed(1)} | ${median(on.map((x) => x.wallUs)).toFixed(1)} |`);
console.log(`\nPITR overhead: ${(((onCpu - offCpu) / offCpu) * 100).toFixed(1)} % CPU per PutItem\n`);
console.log(`## Backup and restore (${engineName}, ${ITEMS} items of ~230 bytes)\n`);
console.log('| operation | seconds | items/s |');
console.log('| --- | ---: | ---: |');
for (const r of rates) console.log(`| ${r.what} | ${r.seconds.toFixed(2)} | ${Math.round(r.rate)} |`);
