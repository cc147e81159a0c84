/**
 * Unit tests of vector index maintenance: which items an index holds, the
 * entry encoding, the write-time checks and the writes and change-log
 * records a change produces.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TableRecord, VectorIndexRecord } from '../catalog/table-record.js';
import type { AttributeValue, Item } from '../values/types.js';
import {
  checkVectorValues,
  decodeVectorEntry,
  decodeVectorLog,
  encodeVectorEntry,
  encodeVectorLog,
  itemVector,
  vectorEntryKey,
  vectorIndexWrites,
  vectorValueError,
} from './vector-entries.js';

const index: VectorIndexRecord = {
  id: 1,
  name: 'vidx',
  vectorAttribute: 'v',
  dimensions: 3,
  distance: 'EUCLIDEAN',
  hash: 'cat',
  filters: ['color'],
  projection: { type: 'INCLUDE', nonKeyAttributes: ['title'] },
  status: 'ACTIVE',
};

const table = {
  account: '123456789012',
  region: 'us-east-1',
  id: 7,
  name: 't',
  uuid: 'u',
  createdAt: 0,
  status: 'ACTIVE',
  attributeDefinitions: { pk: 'S', cat: 'S', color: 'S' },
  keySchema: { hash: 'pk' },
  billingMode: 'PAY_PER_REQUEST',
  throughput: { read: 0, write: 0, decreasesToday: 0 },
  localIndexes: [],
  globalIndexes: [],
  stream: { enabled: false },
  tableClass: 'STANDARD',
  deletionProtection: false,
  tags: {},
  nextIndexId: 2,
  vectorIndexes: [index],
} as TableRecord;

const vec = (...values: number[]): AttributeValue => ({ L: values.map((n) => ({ N: String(n) })) });
const item = (over: Item = {}): Item => ({ pk: { S: 'a' }, cat: { S: 'c' }, color: { S: 'red' }, title: { S: 'x' }, other: { S: 'y' }, v: vec(1, 2, 3), ...over });

describe('vector entries', () => {
  it('holds an item with a list of Dimensions numbers and its HASH value', () => {
    assert.deepEqual([...itemVector(index, item())!], [1, 2, 3]);
    assert.equal(itemVector(index, item({ v: vec(1, 2) })), undefined);
    assert.equal(itemVector(index, item({ v: { S: 'x' } })), undefined);
    assert.equal(itemVector(index, item({ v: { L: [{ N: '1' }, { S: '2' }, { N: '3' }] } })), undefined);
    assert.equal(itemVector(index, item({ v: vec(1, 2, 1e39) })), undefined);
    const { cat: _c, ...noHash } = item();
    assert.equal(vectorEntryKey(table, index, noHash), undefined);
    assert.equal(vectorEntryKey(table, index, item({ cat: { N: '1' } })), undefined);
    assert.ok(vectorEntryKey(table, index, item()) !== undefined);
  });

  it('encodes the vector as float32 and the projected attributes as JSON', () => {
    const value = encodeVectorEntry(Float32Array.of(0.1, -2, 3.5), { pk: { S: 'a' } });
    const decoded = decodeVectorEntry(value, 3);
    assert.deepEqual([...decoded.vector], [Math.fround(0.1), -2, 3.5]);
    assert.deepEqual(JSON.parse(Buffer.from(decoded.json).toString()), { pk: { S: 'a' } });
  });

  it('encodes a change-log record as the changed keys', () => {
    const keys = [Uint8Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(9)];
    assert.deepEqual(decodeVectorLog(encodeVectorLog(keys)).map((k) => [...k]), keys.map((k) => [...k]));
  });

  it('writes the entry and a log record; nothing when the entry does not change', () => {
    const created = vectorIndexWrites(table, undefined, item());
    assert.equal(created.writes.length, 1);
    assert.equal(created.logs.length, 1);
    const entry = decodeVectorEntry(created.writes[0]!.value!, 3);
    // Projected: the table key, the vector, the SearchSchema and NonKeyAttributes; not `other`.
    assert.deepEqual(Object.keys(JSON.parse(Buffer.from(entry.json).toString())).sort(), ['cat', 'color', 'pk', 'title', 'v']);
    // A change to an attribute the index does not project changes nothing in it.
    assert.deepEqual(vectorIndexWrites(table, item(), item({ other: { S: 'z' } })), { writes: [], logs: [] });
    // A new HASH value moves the entry: delete the old key, put the new one, one record naming both.
    const moved = vectorIndexWrites(table, item(), item({ cat: { S: 'd' } }));
    assert.deepEqual(moved.writes.map((w) => w.value === null), [true, false]);
    assert.equal(decodeVectorLog(moved.logs[0]!.value).length, 2);
    // Removing the vector removes the entry.
    const { v: _v, ...noVector } = item();
    const removed = vectorIndexWrites(table, item(), noVector);
    assert.deepEqual(removed.writes.map((w) => w.value), [null]);
  });

  it('refuses values the index cannot take, and only values the write changed', () => {
    assert.throws(() => checkVectorValues(table, undefined, item({ v: vec(1, 2) })), /Invalid size for parameter v, Expected: 3, Actual: 2/);
    assert.throws(() => checkVectorValues(table, undefined, item({ v: { SS: ['a'] } })), /value type: SS, valid types: L of N/);
    assert.throws(() => checkVectorValues(table, undefined, item({ color: { N: '1' } })), /Type mismatch for Index Key color Expected: S Actual: N IndexName: vidx/);
    const old = item({ v: vec(1) });
    assert.doesNotThrow(() => checkVectorValues(table, old, { ...old, other: { S: 'changed' } }));
    assert.equal(vectorValueError('v', vec(1, 2, 3), 3, 'vidx'), undefined);
  });
});
