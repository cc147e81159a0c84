/** @module streams/stream-catalog.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TableRecord } from '../catalog/table-record.js';
import { decodeStreamEntry, labelMs, streamCatalogWrites } from './stream-catalog.js';

const base = {
  id: 9,
  name: 'orders',
  keySchema: { hash: 'pk' },
  stream: { enabled: true, viewType: 'NEW_IMAGE', label: '2026-01-02T03:04:05.678' },
} as unknown as TableRecord;
const disabled = { ...base, stream: { enabled: false, label: base.stream.label } } as TableRecord;
const reEnabled = { ...base, stream: { enabled: true, viewType: 'KEYS_ONLY', label: '2026-01-02T03:04:06.000' } } as TableRecord;

const entries = (writes: ReturnType<typeof streamCatalogWrites>) => writes.map((w) => decodeStreamEntry(w.value!));

describe('streamCatalogWrites', () => {
  it('opens an entry when a table is created with a stream', () => {
    assert.deepEqual(entries(streamCatalogWrites(undefined, base, 1)), [
      {
        tableName: 'orders',
        tableId: 9,
        label: '2026-01-02T03:04:05.678',
        createdAt: labelMs('2026-01-02T03:04:05.678'),
        viewType: 'NEW_IMAGE',
        keySchema: { hash: 'pk' },
      },
    ]);
    assert.equal(labelMs('2026-01-02T03:04:05.678'), Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  });

  it('closes the entry when the stream is disabled or the table deleted', () => {
    for (const next of [disabled, undefined]) {
      const [closed, ...rest] = entries(streamCatalogWrites(base, next, 1234));
      assert.equal(closed?.closedAt, 1234);
      assert.equal(closed?.label, base.stream.label);
      assert.deepEqual(rest, []);
    }
  });

  it('opens a new entry when a stream is enabled again, and writes nothing for other changes', () => {
    assert.deepEqual(entries(streamCatalogWrites(disabled, reEnabled, 1)).map((e) => [e.label, e.closedAt]), [
      ['2026-01-02T03:04:06.000', undefined],
    ]);
    assert.deepEqual(streamCatalogWrites(base, { ...base, tags: { a: 'b' } } as TableRecord, 1), []);
    assert.deepEqual(streamCatalogWrites(disabled, undefined, 1), []);
  });
});
