/**
 * Black-box test of `openddb cost`: known traffic sent with the SDK to a
 * real server, the estimate read back as JSON and checked by hand
 * arithmetic against the price table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, GetItemCommand, PutItemCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, tempDir, variantPass, type ServerProcess } from './helpers/server-process.js';
import { runCli } from './helpers/run-cli.js';
import { defineTable } from './helpers/tables.js';

interface TableEstimate {
  table: string;
  monthlyReadUnits: number;
  monthlyWriteUnits: number;
  storageGb: number;
  onDemand: { reads: number; writes: number; total: number };
  provisioned: { rcu: number; wcu: number; total: number };
  storage: number;
  pitr: number;
}

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

describe('openddb cost', { skip: variantPass() }, () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  const dir = tempDir('openddb-tools-cost-');

  before(async () => {
    server = await startServerProcess();
    ddb = client(server.url);
    await ddb.send(new CreateTableCommand(defineTable('cost-plain', 'id:S')));
    await ddb.send(
      new CreateTableCommand(
        defineTable('cost-indexed', 'id:S', {
          gsi: { byG: { key: 'g:S', throughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } } },
          BillingMode: 'PROVISIONED',
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        }),
      ),
    );
    // 10 writes of items under 1 KB: 10 WCU; 20 eventually consistent reads of items under 4 KB: 10 RCU.
    for (let i = 0; i < 10; i++) await ddb.send(new PutItemCommand({ TableName: 'cost-plain', Item: { id: { S: `i${i}` }, v: { S: 'x'.repeat(100) } } }));
    for (let i = 0; i < 20; i++) await ddb.send(new GetItemCommand({ TableName: 'cost-plain', Key: { id: { S: `i${i % 10}` } } }));
    // 4 writes to a table with a GSI: 4 WCU on the table and 4 on the index.
    for (let i = 0; i < 4; i++) await ddb.send(new PutItemCommand({ TableName: 'cost-indexed', Item: { id: { S: `i${i}` }, g: { S: 'a' } } }));
    await ddb.send(new UpdateContinuousBackupsCommand({ TableName: 'cost-indexed', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  });
  after(async () => {
    ddb?.destroy();
    await server?.stop();
    dir.remove();
  });

  it('on-demand and provisioned prices of the measured traffic, by hand arithmetic', async () => {
    const r = await runCli(['cost', '--endpoint', server.url, '--json', '--window', '3600', '--table', 'cost-plain', '--table', 'cost-indexed']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout) as { region: string; multiplier: number; tables: TableEstimate[]; totals: { onDemand: number } };
    assert.equal(e.region, 'us-east-1');
    assert.equal(e.multiplier, 730);
    const [plain, indexed] = e.tables;
    assert.equal(plain!.table, 'cost-plain');
    assert.equal(plain!.monthlyWriteUnits, 10 * 730);
    assert.equal(plain!.monthlyReadUnits, 10 * 730);
    close(plain!.onDemand.writes, (7300 / 1e6) * 0.625);
    close(plain!.onDemand.reads, (7300 / 1e6) * 0.125);
    // 7300 units a month is far below one unit per second: the minimum, 1 RCU and 1 WCU, every hour.
    assert.equal(plain!.provisioned.rcu, 1);
    assert.equal(plain!.provisioned.wcu, 1);
    close(plain!.provisioned.total, 730 * 0.00013 + 730 * 0.00065);
    close(plain!.storage, plain!.storageGb * 0.25);
    assert.ok(plain!.storageGb > 0 && plain!.storageGb < 1e-5, String(plain!.storageGb));
    assert.equal(indexed!.monthlyWriteUnits, 8 * 730, 'table and GSI write units');
    assert.equal(indexed!.monthlyReadUnits, 0);
    assert.equal(plain!.pitr, 0);
    assert.ok(indexed!.storageGb > 0);
    close(indexed!.pitr, indexed!.storageGb * 0.2);
  });

  it('a table of text, a price file and a pricing region, a sampled window', async () => {
    const text = await runCli(['cost', '--endpoint', server.url, '--window', '3600', '--table', 'cost-plain']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /DynamoDB monthly estimate, us-east-1, prices USD as of 2024-11/);
    assert.match(text.stdout, /cost-plain +PAY_PER_REQUEST +7,300 +7,300 /);
    const printed = await runCli(['cost', '--print-prices']);
    const prices = JSON.parse(printed.stdout) as { regions: Record<string, unknown> };
    prices.regions['xx-test-1'] = { ...(prices.regions['us-east-1'] as object), standard: { writeRequestPerMillion: 1, readRequestPerMillion: 1, wcuHour: 1, rcuHour: 1, storageGbMonth: 1 } };
    const file = join(dir.path, 'prices.json');
    writeFileSync(file, JSON.stringify(prices));
    const custom = await runCli(['cost', '--endpoint', server.url, '--json', '--window', '3600', '--table', 'cost-plain', '--prices', file, '--pricing-region', 'xx-test-1']);
    assert.equal(custom.code, 0, custom.stderr);
    const e = JSON.parse(custom.stdout) as { region: string; tables: TableEstimate[] };
    assert.equal(e.region, 'xx-test-1');
    close(e.tables[0]!.onDemand.total, (14600 / 1e6) * 1);
    const unknown = await runCli(['cost', '--endpoint', server.url, '--pricing-region', 'mars-1']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no prices for region mars-1/);
    // Nothing happens during a sampled window: nothing to pay for requests.
    const sampled = await runCli(['cost', '--endpoint', server.url, '--json', '--sample', '0.3', '--table', 'cost-plain']);
    assert.equal(sampled.code, 0, sampled.stderr);
    const s = JSON.parse(sampled.stdout) as { windowSeconds: number; tables: TableEstimate[] };
    assert.ok(s.windowSeconds > 0 && s.windowSeconds < 5, String(s.windowSeconds));
    assert.equal(s.tables[0]!.monthlyWriteUnits, 0);
  });
});
