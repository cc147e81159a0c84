/**
 * The pressure modes' admin settings reach every process on the same data
 * (pressure/shared-settings, docs/pressure.md "Several processes"): two
 * `openddb serve` processes on one data directory; a POST to one changes
 * the other within about a second, a DELETE to either returns both to
 * their flags; lag applies to writes made through either process. Black-box
 * with the SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, tempDir, variantPass, type ServerProcess } from './helpers/server-process.js';

const dir = tempDir('openddb-pressure-processes-');
let a: ServerProcess;
let b: ServerProcess;
let ddbA: DynamoDBClient;
let ddbB: DynamoDBClient;
const skip = variantPass();

async function admin(url: string, method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/openddb/admin/pressure`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, unknown>;
}

/** Whether a GetItem through this client fails with the injected 500. */
async function faulted(ddb: DynamoDBClient): Promise<boolean> {
  try {
    await ddb.send(new GetItemCommand({ TableName: 'shared', Key: { pk: { S: 'x' } } }));
    return false;
  } catch (e) {
    if ((e as Error).name === 'InternalServerError') return true;
    throw e;
  }
}

/** Polls until `check` holds; returns how long that took (ms), or fails after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > limitMs) assert.fail(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  if (skip) return;
  a = await startServerProcess({ dataDir: dir.path, workers: 1 });
  b = await startServerProcess({ dataDir: dir.path, workers: 1, extraArgs: ['--throttle'] });
  ddbA = client(a.url);
  ddbB = client(b.url);
  await ddbA.send(
    new CreateTableCommand({
      TableName: 'shared',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      OnDemandThroughput: { MaxWriteRequestUnits: 5 },
    }),
  );
});
after(async () => {
  await a?.stop();
  await b?.stop();
  dir.remove();
});

describe('admin settings across processes on one data directory', { skip }, () => {
  it('a POST to one process reaches the other within about a second; a DELETE returns both to their flags', async () => {
    // The table's maximums are in the shared catalog.
    assert.deepEqual((await ddbB.send(new DescribeTableCommand({ TableName: 'shared' }))).Table!.OnDemandThroughput, { MaxWriteRequestUnits: 5 });

    assert.equal(await faulted(ddbB), false);
    const posted = await admin(a.url, 'POST', { faults: '500:1:GetItem', lagMs: '100-200' });
    assert.deepEqual(posted.shared, { faults: '500:1:GetItem', lagMs: '100-200' });
    assert.equal(await faulted(ddbA), true, 'the process that took the POST applies it at once');
    const delay = await within(3000, () => faulted(ddbB));
    assert.ok(delay <= 2500, `reached the other process after ${delay} ms`);
    const seen = await admin(b.url, 'GET');
    assert.equal(seen.faults, '500:1:GetItem');
    assert.equal(seen.lagMs, '100-200');
    // B's own flag (--throttle) stays; A's (none) too: the shared patch names neither.
    assert.equal(seen.throttle, true);
    assert.equal((await admin(a.url, 'GET')).throttle, false);

    // A POST through B merges with A's: both members stay.
    await admin(b.url, 'POST', { throttle: false });
    await within(3000, async () => (await admin(a.url, 'GET')).sharedVersion === (await admin(b.url, 'GET')).sharedVersion);
    assert.deepEqual((await admin(a.url, 'GET')).shared, { faults: '500:1:GetItem', lagMs: '100-200', throttle: false });

    await admin(b.url, 'DELETE');
    assert.equal(await faulted(ddbB), false);
    await within(3000, async () => !(await faulted(ddbA)));
    const back = await admin(a.url, 'GET');
    assert.deepEqual(back.shared, {});
    assert.equal(back.lagMs, null);
    assert.equal((await admin(b.url, 'GET')).throttle, true, "B's --throttle again");
  });

  it('a process started later picks up the stored settings before its first request', async () => {
    await admin(a.url, 'POST', { faults: '500:1:GetItem' });
    const c = await startServerProcess({ dataDir: dir.path, workers: 1 });
    try {
      assert.equal(await faulted(client(c.url)), true);
    } finally {
      await c.stop();
      await admin(a.url, 'DELETE');
    }
  });

  it("lag: a write through one process lags for the other's eventually consistent reads; a strong read sees it at once", async () => {
    const posted = await admin(a.url, 'POST', { lagMs: '1500' });
    await within(3000, async () => (await admin(b.url, 'GET')).sharedVersion === posted.sharedVersion);
    try {
      // The write's moment is taken before its commit (which may wait long for the disk on a busy machine).
      const sent = Date.now();
      await ddbA.send(new PutItemCommand({ TableName: 'shared', Item: { pk: { S: 'lagged' } } }));
      const written = Date.now();
      const read = (ddb: DynamoDBClient, consistent: boolean) =>
        ddb.send(new GetItemCommand({ TableName: 'shared', Key: { pk: { S: 'lagged' } }, ConsistentRead: consistent }));
      const eventual = await read(ddbB, false);
      if (Date.now() - written < 1400) assert.equal(eventual.Item, undefined, 'the other process lags the write');
      assert.deepEqual((await read(ddbB, true)).Item, { pk: { S: 'lagged' } });
      await within(4000, async () => (await read(ddbB, false)).Item !== undefined);
      assert.ok(Date.now() - sent >= 1490, `visible only after the lag (${Date.now() - sent} ms after the PutItem was sent)`);
    } finally {
      await admin(a.url, 'DELETE');
    }
  });

  it('a fault spec POSTed again starts its next=N count again', async () => {
    try {
      for (let round = 0; round < 2; round++) {
        await admin(a.url, 'POST', { faults: '500:next=1:GetItem' });
        assert.equal(await faulted(ddbA), true, `round ${round}: fires once`);
        assert.equal(await faulted(ddbA), false, `round ${round}: then no more`);
      }
    } finally {
      await admin(a.url, 'DELETE');
    }
  });
});
