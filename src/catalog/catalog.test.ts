/**
 * Unit tests of the catalog's names: (account, region, table name), and the
 * move of a data directory's tables and streams from the layout before
 * regions (0x00 0x01 / 0x00 0x04, as openddb wrote them up to main 53fb970)
 * into the default scope.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEngine } from '../storage/memory-engine.js';
import { Catalog } from './catalog.js';
import {
  CATALOG_TABLE_PREFIX,
  LEGACY_STREAM_PREFIX,
  LEGACY_TABLE_PREFIX,
  catalogTableKey,
  concat,
  streamCatalogKey,
  successor,
} from './key-space.js';
import type { TableRecord } from './table-record.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EAST = { account: '123456789012', region: 'us-east-1' };
const WEST = { account: '123456789012', region: 'us-west-1' };

/** A table record as main wrote it before regions: no account, no region. */
function legacyRecord(id: number, name: string): Record<string, unknown> {
  return {
    id,
    name,
    uuid: `00000000-0000-0000-0000-00000000000${id}`,
    createdAt: 1796477426439,
    status: 'ACTIVE',
    attributeDefinitions: { pk: 'S' },
    keySchema: { hash: 'pk' },
    billingMode: 'PAY_PER_REQUEST',
    throughput: { read: 0, write: 0, decreasesToday: 0 },
    localIndexes: [],
    globalIndexes: [],
    stream: { enabled: true, viewType: 'KEYS_ONLY', label: '2026-12-05T13:30:26.439' },
    tableClass: 'STANDARD',
    deletionProtection: false,
    tags: {},
    nextIndexId: 1,
  };
}

async function legacyStore(): Promise<MemoryEngine> {
  const engine = new MemoryEngine();
  const writes = [];
  for (const [id, name] of [[1, 'alpha'], [2, 'beta']] as const) {
    writes.push({ key: concat([LEGACY_TABLE_PREFIX, encoder.encode(name)]), value: encoder.encode(JSON.stringify(legacyRecord(id, name))) });
  }
  const stream = { tableName: 'alpha', tableId: 1, label: '2026-12-05T13:30:26.439', createdAt: 1796477426439, viewType: 'KEYS_ONLY', keySchema: { hash: 'pk' } };
  writes.push({
    key: concat([LEGACY_STREAM_PREFIX, encoder.encode('alpha'), Uint8Array.of(0), encoder.encode(stream.label)]),
    value: encoder.encode(JSON.stringify(stream)),
  });
  await engine.commit(writes);
  return engine;
}

const names = (records: readonly TableRecord[]) => records.map((t) => t.name);

describe('Catalog names', () => {
  it('keeps each scope to its own tables, even of the same name', async () => {
    const engine = new MemoryEngine();
    const catalog = await Catalog.load(engine, EAST);
    const west = { ...(legacyRecord(1, 'same') as unknown as TableRecord), ...WEST };
    const east = { ...(legacyRecord(2, 'same') as unknown as TableRecord), ...EAST };
    assert.equal(await catalog.create(west), true);
    assert.equal(await catalog.create(east), true);
    assert.equal(await catalog.create({ ...west, id: 3 }), false, 'a second table of that name in that region');
    assert.equal(catalog.get(WEST, 'same')?.id, 1);
    assert.equal(catalog.get(EAST, 'same')?.id, 2);
    assert.equal(catalog.get({ ...WEST, account: '000000000000' }, 'same'), undefined);
    assert.deepEqual(names(catalog.list(WEST)), ['same']);
    assert.equal(catalog.count(WEST), 1);
    assert.equal(catalog.all().length, 2);
    assert.equal(await catalog.drop(catalog.get(WEST, 'same')!), true);
    assert.equal(catalog.get(WEST, 'same'), undefined);
    assert.equal(catalog.get(EAST, 'same')?.id, 2);
    // What was stored loads back into the same scopes.
    const again = await Catalog.load(engine, WEST);
    assert.equal(again.get(EAST, 'same')?.id, 2);
    assert.equal(again.get(WEST, 'same'), undefined);
  });
});

describe('Catalog.load on a store from before regions', () => {
  it('moves every table and stream into the default scope, once', async () => {
    const engine = await legacyStore();
    const catalog = await Catalog.load(engine, EAST);
    assert.deepEqual(names(catalog.list(EAST)), ['alpha', 'beta']);
    assert.deepEqual(names(catalog.list(WEST)), []);
    const alpha = catalog.get(EAST, 'alpha')!;
    assert.equal(alpha.region, 'us-east-1');
    assert.equal(alpha.account, '123456789012');
    assert.equal(alpha.uuid, '00000000-0000-0000-0000-000000000001');
    assert.deepEqual(alpha.stream, { enabled: true, viewType: 'KEYS_ONLY', label: '2026-12-05T13:30:26.439' });
    // Nothing is left in the old layouts; the new keys hold the moved entries.
    assert.deepEqual(await engine.range(LEGACY_TABLE_PREFIX, successor(LEGACY_TABLE_PREFIX)), []);
    assert.deepEqual(await engine.range(LEGACY_STREAM_PREFIX, successor(LEGACY_STREAM_PREFIX)), []);
    assert.equal((await engine.range(CATALOG_TABLE_PREFIX, successor(CATALOG_TABLE_PREFIX))).length, 2);
    assert.ok(await engine.get(catalogTableKey(EAST, 'beta')));
    const stream = JSON.parse(decoder.decode((await engine.get(streamCatalogKey(EAST, 'alpha', '2026-12-05T13:30:26.439')))!));
    assert.equal(stream.region, 'us-east-1');
    assert.equal(stream.tableId, 1);
    // The move happened once: a later start with another default region leaves them where they are.
    const later = await Catalog.load(engine, WEST);
    assert.deepEqual(names(later.list(EAST)), ['alpha', 'beta']);
    assert.deepEqual(names(later.list(WEST)), []);
  });

  it('moves them exactly once when two processes open the store at the same time', async () => {
    const engine = await legacyStore();
    const [a, b] = await Promise.all([Catalog.load(engine, EAST), Catalog.load(engine, EAST)]);
    assert.deepEqual(names(a.list(EAST)), ['alpha', 'beta']);
    assert.deepEqual(names(b.list(EAST)), ['alpha', 'beta']);
    assert.equal((await engine.range(CATALOG_TABLE_PREFIX, successor(CATALOG_TABLE_PREFIX))).length, 2);
  });
});
