/**
 * Screenshots of every page of the web console into docs/console/*.png,
 * for docs/console.md and the README. Starts the built server
 * (dist/openddb.mjs, so `npm run build` first) in memory, fills a demo
 * table through the AWS SDK, and drives Debian's Chromium with
 * playwright-core through the pages:
 *
 *   node scripts/console-screenshots.mjs [--chromium /usr/bin/chromium]
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { DynamoDBClient, CreateTableCommand, PutItemCommand, UpdateTimeToLiveCommand, ExecuteStatementCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'docs/console');
const chromiumPath = process.argv.includes('--chromium') ? process.argv[process.argv.indexOf('--chromium') + 1] : '/usr/bin/chromium';
mkdirSync(out, { recursive: true });

const server = spawn(process.execPath, [path.join(root, 'dist/openddb.mjs'), 'serve', '--in-memory', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});

let browser;
try {
  await seed(url);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, colorScheme: 'light' });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('dialog', (d) => void d.accept());
  const shot = async (name) => {
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`docs/console/${name}.png`);
  };

  // The metrics page first, while the seeding traffic is fresh, then more traffic under it.
  await page.goto(`${url}/console/#/metrics`);
  await traffic(url, 6000);
  await page.waitForSelector('[data-chart="requests"] polyline');
  await shot('metrics');

  await page.goto(`${url}/console/#/tables`);
  await page.waitForSelector('table.data');
  await shot('tables');

  await page.click('text=Create table');
  await page.fill('input[name=TableName]', 'sessions');
  await page.fill('input[name=pkName]', 'sessionId');
  await shot('create-table');
  await page.keyboard.press('Escape');

  await page.goto(`${url}/console/#/tables/orders/overview`);
  await page.waitForSelector('text=Global secondary indexes');
  await shot('table-overview');

  await page.goto(`${url}/console/#/tables/orders/items`);
  await page.selectOption('select[name=mode]', 'query');
  await page.fill('input[name=pk]', 'customer#0003');
  await page.selectOption('select[name=skOp]', 'begins_with');
  await page.fill('input[name=sk]', 'order#');
  await page.click('button[data-run]');
  await page.waitForSelector('[data-result-count]');
  await shot('items-query');

  await page.click('table.data tbody tr');
  await page.waitForSelector('dialog[open]');
  await shot('item-editor');
  await page.click('dialog [role=tab]:has-text("JSON")');
  await shot('item-editor-json');
  await page.keyboard.press('Escape');

  await page.goto(`${url}/console/#/partiql`);
  await page.fill('textarea[name=statement]', `SELECT pk, sk, total, status FROM "orders" WHERE pk = 'customer#0001'`);
  await page.click('button[data-run]');
  await page.waitForSelector('[data-result-count]');
  await shot('partiql');

  await page.goto(`${url}/console/#/tables/orders/stream`);
  await page.click('button[data-run]');
  await page.waitForSelector('[data-record-count]');
  await shot('stream');

  await page.goto(`${url}/console/#/tables/orders/ttl`);
  await page.waitForSelector('[data-ttl-status]');
  await shot('ttl');

  await page.goto(`${url}/console/#/tables/orders/backups`);
  await page.waitForSelector('text=Point-in-time recovery');
  await page.waitForTimeout(300);
  await shot('backups');
} finally {
  await browser?.close();
  server.kill('SIGTERM');
}

async function seed(endpoint) {
  const ddb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
  await ddb.send(new CreateTableCommand({
    TableName: 'orders',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{ IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  await ddb.send(new CreateTableCommand({
    TableName: 'customers',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PROVISIONED',
    ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 5 },
  }));
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'orders', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }));
  const statuses = ['PENDING', 'SHIPPED', 'DELIVERED'];
  for (let c = 0; c < 8; c++) {
    await ddb.send(new PutItemCommand({ TableName: 'customers', Item: { id: { S: `customer#${String(c).padStart(4, '0')}` }, name: { S: ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Edsger', 'Frances', 'Donald'][c] }, tier: { S: c % 3 === 0 ? 'gold' : 'standard' } } }));
    for (let o = 0; o < 5; o++) {
      await ddb.send(new PutItemCommand({
        TableName: 'orders',
        Item: {
          pk: { S: `customer#${String(c).padStart(4, '0')}` },
          sk: { S: `order#2026-11-${String(10 + o).padStart(2, '0')}#${c}${o}` },
          status: { S: statuses[(c + o) % 3] },
          total: { N: (12.5 + c * 7.25 + o * 3).toFixed(2) },
          items: { L: [{ M: { sku: { S: `SKU-${100 + o}` }, qty: { N: String(1 + (o % 3)) } } }] },
          tags: { SS: o % 2 ? ['gift'] : ['express', 'fragile'] },
          ...(o === 4 ? { expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86400 * 30) } } : {}),
        },
      }));
    }
  }
  await ddb.send(new UpdateItemCommand({
    TableName: 'orders', Key: { pk: { S: 'customer#0001' }, sk: { S: 'order#2026-11-10#10' } },
    UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'DELIVERED' } },
  }));
  await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "orders" WHERE pk = 'customer#0002'` }));
  ddb.destroy();
}

/** A few seconds of mixed reads and writes, so the metrics charts have something to draw. */
async function traffic(endpoint, ms) {
  const ddb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
  const { GetItemCommand, QueryCommand } = await import('@aws-sdk/client-dynamodb');
  const until = Date.now() + ms;
  let i = 0;
  while (Date.now() < until) {
    const c = `customer#${String(i % 8).padStart(4, '0')}`;
    await ddb.send(new GetItemCommand({ TableName: 'customers', Key: { id: { S: c } } }));
    if (i % 3 === 0) await ddb.send(new QueryCommand({ TableName: 'orders', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: c } } }));
    if (i % 5 === 0) await ddb.send(new UpdateItemCommand({ TableName: 'customers', Key: { id: { S: c } }, UpdateExpression: 'ADD visits :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
    i++;
    await new Promise((r) => setTimeout(r, 4 + (Math.floor(Date.now() / 1500) % 3) * 6));
  }
  ddb.destroy();
}
