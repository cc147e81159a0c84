/**
 * Black-box: the web console at /console, clicked through in Debian's
 * Chromium (playwright-core) against a real server — every page, with the
 * SDK checking that what the page did really happened — once more with
 * --auth (the page signs with SigV4 in the browser), and its first paint.
 *
 * Runs in CI's default pass only (a browser session tests the page, which
 * no storage or front-end variant changes). Without /usr/bin/chromium it
 * is skipped locally and fails in CI (`.ci/run` installs the package).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand, PutItemCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { client, startServerProcess, tempDir, variantPass, type ServerProcess } from './helpers/server-process.js';
import { defineTable } from './helpers/tables.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function skipReason(): false | string {
  const variant = variantPass();
  if (variant !== false) return variant;
  // In CI a missing browser is a broken machine, not a reason to skip.
  if (!existsSync(CHROMIUM) && !process.env.CI) return `${CHROMIUM} is missing (apt-get install chromium); CI installs it`;
  return false;
}
const skip = skipReason();

async function launch(): Promise<Browser> {
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A fresh page that fails the test on any script error of the console. */
async function freshPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('dialog', (d) => void d.accept());
  page.setDefaultTimeout(10_000);
  return { context, page, errors };
}

describe('web console', { skip }, () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  let browser: Browser;

  before(async () => {
    server = await startServerProcess();
    ddb = client(server.url);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    ddb?.destroy();
    await server?.stop();
  });

  test('first paint under 300 ms', async () => {
    // Fresh contexts (no cache), until one paints in time: one slow paint
    // on a loaded 2-core CI machine says little, five in a row would.
    const paints: number[] = [];
    for (let i = 0; i < 5 && !paints.some((p) => p < 300); i++) {
      const { context, page, errors } = await freshPage(browser);
      await page.goto(`${server.url}/console/`);
      await page.waitForSelector('h1');
      const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
      assert.ok(fcp > 0, 'the page painted');
      paints.push(fcp);
      assert.deepEqual(errors, []);
      await context.close();
    }
    assert.ok(paints.some((p) => p < 300), `first contentful paint ${paints.map((p) => p.toFixed(0)).join(', ')} ms`);
  });

  test('tables, items, query and scan, editors, indexes, PartiQL, stream, TTL, backups, metrics', async () => {
    const { context, page, errors } = await freshPage(browser);
    try {
      await page.goto(`${server.url}/console`);
      await page.waitForSelector('text=No tables yet');

      // Create a table with the dialog, opened by its keyboard shortcut.
      await page.keyboard.press('n');
      await page.fill('input[name=TableName]', 'console_orders');
      await page.fill('input[name=pkName]', 'pk');
      await page.fill('input[name=skName]', 'sk');
      await page.selectOption('select[name=skType]', 'N');
      await page.selectOption('select[name=StreamViewType]', 'NEW_AND_OLD_IMAGES');
      await page.click('dialog button[type=submit]');
      await page.waitForSelector('table.data >> text=console_orders');
      const made = (await ddb.send(new DescribeTableCommand({ TableName: 'console_orders' }))).Table!;
      assert.deepEqual(made.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
      assert.equal(made.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');

      // An API error is shown as DynamoDB words it.
      await page.click('text=Create table');
      await page.fill('input[name=TableName]', 'console_orders');
      await page.fill('input[name=pkName]', 'pk');
      await page.click('dialog button[type=submit]');
      await page.waitForSelector('dialog [data-error-type="ResourceInUseException"]');
      await page.keyboard.press('Escape');

      // The item browser: a new item with the typed editor.
      await page.click('table.data >> text=console_orders');
      await page.waitForSelector('text=Scan: 0 items');
      await page.click('text=Create item');
      await page.fill('dialog textarea[data-attr-value="pk"]', 'customer#1');
      await page.fill('dialog textarea[data-attr-value="sk"]', '1');
      await page.click('dialog >> text=Add attribute');
      await page.locator('dialog input[data-attr-name]').last().fill('total');
      await page.locator('dialog select[aria-label="Attribute type"]').last().selectOption('N');
      await page.locator('dialog .attr-rows textarea').last().fill('12.50');
      await page.click('dialog button[type=submit]');
      await page.waitForSelector('dialog', { state: 'detached' });
      const put = await ddb.send(new GetItemCommand({ TableName: 'console_orders', Key: { pk: { S: 'customer#1' }, sk: { N: '1' } } }));
      assert.deepEqual(put.Item, { pk: { S: 'customer#1' }, sk: { N: '1' }, total: { N: '12.5' } });

      // Edit it: change an attribute in the form, add one in the JSON view (UpdateItem).
      await page.waitForSelector('text=Scan: 1 item');
      await page.click('table.data tbody tr');
      await page.fill('dialog textarea[data-attr-value="total"]', '99');
      await page.click('dialog [role=tab]:has-text("JSON")');
      const json = JSON.parse(await page.inputValue('dialog textarea[name=json]')) as Record<string, unknown>;
      assert.deepEqual(json.total, { N: '99' });
      json.note = { S: 'gift wrap' };
      await page.fill('dialog textarea[name=json]', JSON.stringify(json));
      await page.click('dialog button[type=submit]');
      await page.waitForSelector('dialog', { state: 'detached' });
      const edited = await ddb.send(new GetItemCommand({ TableName: 'console_orders', Key: { pk: { S: 'customer#1' }, sk: { N: '1' } } }));
      assert.deepEqual(edited.Item, { pk: { S: 'customer#1' }, sk: { N: '1' }, total: { N: '99' }, note: { S: 'gift wrap' } });

      // Query with a key condition and a filter, paging forward and back.
      for (let i = 2; i <= 24; i++) {
        await ddb.send(new PutItemCommand({ TableName: 'console_orders', Item: { pk: { S: 'customer#1' }, sk: { N: String(i) }, total: { N: String(i * 10) } } }));
      }
      await ddb.send(new PutItemCommand({ TableName: 'console_orders', Item: { pk: { S: 'customer#2' }, sk: { N: '1' } } }));
      await page.selectOption('select[name=mode]', 'query');
      await page.fill('input[name=pk]', 'customer#1');
      await page.selectOption('select[name=skOp]', '>=');
      await page.fill('input[name=sk]', '3');
      await page.selectOption('select[name=limit]', '10');
      await page.keyboard.press('Control+Enter');
      await page.waitForSelector('text=Query: 10 items');
      assert.equal(await page.locator('table.data tbody tr').first().locator('td').nth(1).textContent(), '3');
      await page.click('button[aria-label="Next page"]');
      await page.waitForSelector('text=page 2');
      assert.equal(await page.locator('table.data tbody tr').first().locator('td').nth(1).textContent(), '13');
      await page.click('button[aria-label="Next page"]');
      await page.waitForSelector('text=Query: 2 items');
      await page.click('button[aria-label="Previous page"]');
      await page.waitForSelector('text=page 2');
      assert.equal(await page.locator('table.data tbody tr').first().locator('td').nth(1).textContent(), '13');
      await page.check('input[name=descending]');
      // Limit counts items read before the filter: one page holds them all.
      await page.selectOption('select[name=limit]', '100');
      await page.click('text=Add filter');
      await page.fill('input[aria-label="Filter attribute"]', 'total');
      await page.selectOption('select[aria-label="Filter condition"]', '<');
      await page.selectOption('select[aria-label="Filter value type"]', 'N');
      await page.fill('input[aria-label="Filter value"]', '100');
      await page.click('button[data-run]');
      // sk 3..9 have totals 30..90; the edited item (sk 1) is outside the key condition.
      await page.waitForSelector('text=Query: 7 items');
      assert.equal(await page.locator('table.data tbody tr').first().locator('td').nth(1).textContent(), '9');

      // Indexes: create a GSI with UpdateTable, then query it.
      await page.click('nav.tabs >> text=Overview');
      await page.click('text=Create index');
      await page.fill('input[name=IndexName]', 'by-total');
      await page.fill('dialog input[name=pkName]', 'pk');
      await page.fill('dialog input[name=skName]', 'total');
      await page.selectOption('dialog select[name=skType]', 'N');
      await page.click('dialog button[type=submit]');
      await page.waitForSelector('table.data >> text=by-total');
      const withIndex = (await ddb.send(new DescribeTableCommand({ TableName: 'console_orders' }))).Table!;
      assert.equal(withIndex.GlobalSecondaryIndexes?.[0]?.IndexName, 'by-total');
      for (let i = 0; i < 100; i++) {
        const t = (await ddb.send(new DescribeTableCommand({ TableName: 'console_orders' }))).Table!;
        if (t.GlobalSecondaryIndexes?.[0]?.IndexStatus === 'ACTIVE') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await page.click('nav.tabs >> text=Items');
      await page.selectOption('select[name=index]', { label: 'GSI: by-total' });
      await page.selectOption('select[name=mode]', 'query');
      await page.fill('input[name=pk]', 'customer#1');
      await page.selectOption('select[name=skOp]', 'between');
      await page.fill('input[name=sk]', '95');
      await page.fill('input[name=sk2]', '150');
      await page.click('button[data-run]');
      // totals 99 (edited), 100, 110, …, 150
      await page.waitForSelector('text=Query: 7 items');

      // PartiQL: results as a table, and an error as DynamoDB words it.
      await page.keyboard.press('Escape');
      await page.locator('body').focus();
      await page.keyboard.press('g');
      await page.keyboard.press('q');
      await page.waitForSelector('textarea[name=statement]');
      await page.fill('textarea[name=statement]', `SELECT * FROM "console_orders" WHERE pk = 'customer#2'`);
      await page.keyboard.press('Control+Enter');
      await page.waitForSelector('[data-result-count="1"]');
      assert.equal(await page.locator('table.data tbody tr').count(), 1);
      await page.fill('textarea[name=statement]', `SELECT * FROM "no_such_table"`);
      await page.click('button[data-run]');
      await page.waitForSelector('[data-error-type="ResourceNotFoundException"]');

      // The stream: every write above is a record.
      await page.goto(`${server.url}/console/#/tables/console_orders/stream`);
      await page.click('button[data-run]');
      await page.waitForSelector('[data-record-count]');
      const records = Number(await page.getAttribute('[data-record-count]', 'data-record-count'));
      assert.equal(records, 26, '24 + 1 inserts and one update');
      assert.ok(await page.locator('table.data >> text=MODIFY').count() >= 1);

      // TTL.
      await page.click('nav.tabs >> text=TTL');
      await page.waitForSelector('[data-ttl-status="DISABLED"]');
      await page.fill('input[name=AttributeName]', 'expiresAt');
      await page.click('text=Enable TTL');
      await page.waitForSelector('[data-ttl-status="ENABLED"]');
      const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'console_orders' }));
      assert.equal(ttl.TimeToLiveDescription?.AttributeName, 'expiresAt');

      // Backups: the server's answer, or its error, whichever it gives.
      await page.click('nav.tabs >> text=Backups');
      await page.waitForSelector('[data-pitr-status], .error');

      // Delete an item and the table.
      await page.click('nav.tabs >> text=Items');
      await page.waitForSelector('[data-result-count]');
      await page.click('table.data tbody tr >> text=customer#2');
      await page.click('dialog >> text=Delete item');
      await page.waitForSelector('dialog', { state: 'detached' });
      const gone = await ddb.send(new GetItemCommand({ TableName: 'console_orders', Key: { pk: { S: 'customer#2' }, sk: { N: '1' } } }));
      assert.equal(gone.Item, undefined);

      // Metrics: a chart drawn from GET /metrics, after two scrapes.
      await page.keyboard.press('g');
      await page.keyboard.press('m');
      // Two scrapes make a line (flat if nothing ran between them: present, if not "visible").
      await page.waitForFunction(() => (document.querySelector('[data-chart="memory"] polyline')?.getAttribute('points') ?? '').split(' ').length >= 2);
      assert.ok((await page.locator('[data-chart="requests"] polyline').count()) >= 1);
      assert.ok((await page.locator('table[aria-label="Per-table totals"] >> text=console_orders').count()) === 1);

      await page.goto(`${server.url}/console/#/tables/console_orders/overview`);
      await page.click('text=Delete table');
      await page.waitForSelector('text=Tables');
      await page.waitForSelector('text=No tables yet');
      assert.deepEqual((await ddb.send(new ListTablesCommand({}))).TableNames, []);

      // Help.
      await page.keyboard.press('?');
      await page.waitForSelector('dialog >> text=Keyboard shortcuts');
      await page.keyboard.press('Escape');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

describe('web console with --auth', { skip }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let dir: { path: string; remove(): void };

  before(async () => {
    dir = tempDir('openddb-console-auth-');
    const file = join(dir.path, 'auth.json');
    const all = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] };
    writeFileSync(file, JSON.stringify({ identities: [{ accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'console-secret', arn: 'arn:aws:iam::111122223333:user/console', policies: [all] }] }));
    server = await startServerProcess({ extraArgs: ['--auth', file] });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    dir?.remove();
  });

  test('asks for a key, refuses a wrong secret, and signs every request with the right one', async () => {
    const ddb = new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'console-secret' }, maxAttempts: 1 });
    await ddb.send(new CreateTableCommand(defineTable('signed_table', 'id:S')));
    await ddb.send(new PutItemCommand({ TableName: 'signed_table', Item: { id: { S: 'a' }, v: { S: 'from the SDK' } } }));
    const { context, page, errors } = await freshPage(browser);
    try {
      await page.goto(`${server.url}/console/`);
      await page.waitForSelector('text=Sign in');
      await page.fill('input[name=accessKeyId]', 'AKIDCONSOLE');
      await page.fill('input[name=secretAccessKey]', 'wrong-secret');
      await page.click('button[type=submit]');
      await page.waitForSelector('.error >> text=InvalidSignatureException');
      await page.fill('input[name=secretAccessKey]', 'console-secret');
      await page.click('button[type=submit]');
      await page.waitForSelector('table.data >> text=signed_table');
      assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('openddb.console.credentials') ?? '{}').accessKeyId), 'AKIDCONSOLE');
      // A signed write from the page, seen by the SDK.
      await page.click('table.data >> text=signed_table');
      await page.waitForSelector('text=Scan: 1 item');
      await page.click('table.data tbody tr');
      await page.fill('dialog textarea[data-attr-value="v"]', 'from the console');
      await page.click('dialog button[type=submit]');
      await page.waitForSelector('dialog', { state: 'detached' });
      const item = await ddb.send(new GetItemCommand({ TableName: 'signed_table', Key: { id: { S: 'a' } } }));
      assert.equal(item.Item?.v?.S, 'from the console');
      // Signing out forgets the key.
      await page.click('text=Sign out');
      await page.waitForSelector('text=Sign in');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('openddb.console.credentials')), null);
      assert.deepEqual(errors.filter((e) => !/InvalidSignature|status of 400/.test(e)), []);
    } finally {
      await context.close();
      ddb.destroy();
    }
  });
});

