/**
 * @module catalog/catalog-refresh.test
 * The cached catalog when another process shares the store: two LMDB
 * handles on one directory stand for two server processes. A change
 * through one is seen by the other at its next refresh(); refresh() is
 * free when nothing changed, and on an unshared engine; a change that
 * loses to another process's reloads the cache; unchanged entries keep
 * their objects across a reload.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LmdbEngine } from '../storage/lmdb-engine.js';
import { MemoryEngine } from '../storage/memory-engine.js';
import { Catalog } from './catalog.js';
import type { TableRecord } from './table-record.js';

const root = mkdtempSync(join(tmpdir(), 'openddb-catalog-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const SCOPE = { account: '123456789012', region: 'us-east-1' };

/** The catalog reads only a record's scope, name and id; the rest travels as JSON. */
const record = (name: string, id: number, note = ''): TableRecord => ({ ...SCOPE, name, id, note }) as unknown as TableRecord;

async function twoProcesses(): Promise<{ a: Catalog; b: Catalog; close(): Promise<void> }> {
  const path = join(root, String(dirs++));
  const [ea, eb] = [await LmdbEngine.open({ path }), await LmdbEngine.open({ path })];
  const [a, b] = [await Catalog.load(ea, SCOPE), await Catalog.load(eb, SCOPE)];
  return { a, b, close: async () => void (await Promise.all([ea.close(), eb.close()])) };
}

describe('Catalog shared by processes', () => {
  test('a table created, changed and dropped through one is seen by the other at its next refresh', async () => {
    const { a, b, close } = await twoProcesses();
    try {
      assert.equal(b.refresh(), undefined, 'nothing changed yet: no reload');
      assert.equal(await a.create(record('t', 1)), true);
      assert.equal(b.get(SCOPE, 't'), undefined, 'not before a refresh');
      const reloading = b.refresh();
      assert.ok(reloading instanceof Promise);
      await reloading;
      assert.equal(b.get(SCOPE, 't')?.id, 1);
      assert.equal(b.refresh(), undefined);

      assert.equal(await b.replace(b.get(SCOPE, 't')!, record('t', 1, 'changed')), true);
      await a.refresh();
      assert.equal((a.get(SCOPE, 't') as unknown as { note: string }).note, 'changed');

      assert.equal(await a.drop(a.get(SCOPE, 't')!), true);
      await b.refresh();
      assert.equal(b.get(SCOPE, 't'), undefined);
      assert.deepEqual(b.list(SCOPE), []);
    } finally {
      await close();
    }
  });

  test('a change that loses to the other process reloads, so the caller can look again', async () => {
    const { a, b, close } = await twoProcesses();
    try {
      await a.create(record('t', 1));
      await b.refresh();
      const stale = a.get(SCOPE, 't')!;
      assert.equal(await b.replace(b.get(SCOPE, 't')!, record('t', 1, 'by b')), true);
      // a has not refreshed: its replace loses, and it reloads on losing.
      assert.equal(await a.replace(stale, record('t', 1, 'by a')), false);
      assert.equal((a.get(SCOPE, 't') as unknown as { note: string }).note, 'by b');
      // Creating a name the other process created is refused by the store.
      await b.create(record('u', 2));
      assert.equal(await a.create(record('u', 3)), false);
      assert.equal(a.get(SCOPE, 'u')?.id, 2);
    } finally {
      await close();
    }
  });

  test('a reload keeps the objects of entries that did not change', async () => {
    const { a, b, close } = await twoProcesses();
    try {
      await a.create(record('kept', 1));
      await b.refresh();
      const held = b.get(SCOPE, 'kept')!;
      await a.create(record('other', 2));
      await b.refresh();
      assert.equal(b.get(SCOPE, 'kept'), held);
      // So a change begun before the reload still applies.
      assert.equal(await b.replace(held, record('kept', 1, 'still mine')), true);
    } finally {
      await close();
    }
  });

  test('on an engine nothing else shares, refresh never reads', async () => {
    const engine = new MemoryEngine();
    const catalog = await Catalog.load(engine, SCOPE);
    await catalog.create(record('t', 1));
    assert.equal(catalog.refresh(), undefined);
    assert.equal(catalog.get(SCOPE, 't')?.id, 1);
  });
});
