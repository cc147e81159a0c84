/**
 * @module indexes/vector-entries
 * Pure vector index maintenance: an item's old and new versions → the
 * storage writes that keep each vector index in step, plus the change-log
 * records that let every process's in-memory search structure catch up
 * (data/vector-search). Like every other index entry here, they are written
 * in the item's own commit (docs/architecture.md, "One key space").
 *
 * An entry lives at 0x10 <table id> <index id> like a secondary index's: the
 * partition is the SearchSchema's HASH value when the index has one (so one
 * partition is one key range), else the table's partition key; the entry
 * ends with the table key. Its value is the vector as little-endian float32
 * (the precision DynamoDB stores in the index, VectorSearch.Requirements)
 * followed by the JSON of the projected attributes.
 *
 * What an index holds: an item whose vector attribute is a list of exactly
 * Dimensions numbers, each within float32's finite range, and whose HASH
 * attribute (if the index has one) is present with its defined type. A
 * write that sets the vector attribute to anything else, or a SearchSchema
 * attribute to a value of the wrong type, is refused (checkVectorValues), as
 * DynamoDB refuses it; items written before the index existed that do not
 * qualify are simply left out by the backfill, as for a GSI.
 */
import { errors } from '../errors/index.js';
import { entryKey } from '../catalog/key-space.js';
import type { TableRecord, VectorIndexRecord } from '../catalog/table-record.js';
import { vectorIndexes } from '../catalog/table-record.js';
import type { AttributeValue, Item } from '../values/types.js';
import { encodeKeyValue, isIndexableKeyValue, typeOf, validateIndexKeyValue } from '../values/index.js';
import type { KvWrite } from '../storage/engine.js';
import { bytesEqual } from '../storage/byte-order.js';

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

const INVALID = 'One or more parameter values were invalid: ';

/** Why a value is not a vector of `dimensions` numbers, or undefined when it is one. */
export function vectorValueError(attribute: string, value: AttributeValue, dimensions: number, indexName: string): string | undefined {
  if (!('L' in value)) {
    return `${INVALID}Invalid type for parameter ${attribute}, value type: ${typeOf(value)}, valid types: L of N. IndexName: ${indexName}`;
  }
  const list = value.L;
  for (let i = 0; i < list.length; i++) {
    const element = list[i]!;
    if (!('N' in element)) {
      return `${INVALID}Invalid type for parameter ${attribute}[${i}], value type: ${typeOf(element)}, valid types: N. IndexName: ${indexName}`;
    }
    if (!(Math.abs(Number(element.N)) <= FLOAT32_MAX)) {
      return `${INVALID}Value ${element.N} of ${attribute}[${i}] is outside the range of a 32-bit floating point number. IndexName: ${indexName}`;
    }
  }
  if (list.length !== dimensions) {
    // The service's words as AWS's agent toolkit quotes them (the text before "Invalid size" is not quoted there).
    return `${INVALID}Invalid size for parameter ${attribute}, Expected: ${dimensions}, Actual: ${list.length}. IndexName: ${indexName}`;
  }
  return undefined;
}

/** The vector an item holds for `index`, as float32, or undefined when the item has none the index can take. */
export function itemVector(index: VectorIndexRecord, item: Item): Float32Array | undefined {
  const value = item[index.vectorAttribute];
  if (value === undefined || !('L' in value) || value.L.length !== index.dimensions) return undefined;
  const out = new Float32Array(index.dimensions);
  for (let i = 0; i < index.dimensions; i++) {
    const element = value.L[i]!;
    if (!('N' in element)) return undefined;
    const n = Number(element.N);
    if (!(Math.abs(n) <= FLOAT32_MAX)) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * Refuses a write whose new item gives a vector index a value it cannot
 * take: a vector attribute that is not a list of Dimensions numbers, or a
 * SearchSchema attribute of the wrong type (GSI key wording, as for any
 * index key). Only values the write changed are checked (an update that
 * leaves an old, unindexable value alone is allowed, as for GSI keys).
 */
export function checkVectorValues(table: TableRecord, old: Item | undefined, next: Item): void {
  for (const index of vectorIndexes(table)) {
    const vector = next[index.vectorAttribute];
    if (vector !== undefined && vector !== old?.[index.vectorAttribute]) {
      const message = vectorValueError(index.vectorAttribute, vector, index.dimensions, index.name);
      if (message !== undefined) throw errors.validation(message);
    }
    const schema = index.hash === undefined ? index.filters : [index.hash, ...index.filters];
    for (const name of schema) {
      const value = next[name];
      if (value === undefined || value === old?.[name]) continue;
      const role = name === index.hash ? 'hash' : 'range';
      const message = validateIndexKeyValue(name, value, table.attributeDefinitions[name]!, index.name, role);
      if (message !== undefined) throw errors.validation(message);
    }
  }
}

/** The storage key of an item's entry in a vector index, or undefined when the index does not hold the item. */
export function vectorEntryKey(table: TableRecord, index: VectorIndexRecord, item: Item): Uint8Array | undefined {
  const tableHash = item[table.keySchema.hash]!;
  const tableRange = table.keySchema.range === undefined ? undefined : item[table.keySchema.range];
  if (index.hash === undefined) return entryKey(table.id, index.id, tableHash, [tableRange]);
  const hash = item[index.hash];
  if (hash === undefined || !isIndexableKeyValue(hash, table.attributeDefinitions[index.hash]!, 'hash')) return undefined;
  return entryKey(table.id, index.id, hash, [tableHash, tableRange]);
}

/** Every attribute a vector index projects: the table key, the vector, the SearchSchema, then its projection. */
export function projectedNames(table: TableRecord, index: VectorIndexRecord): ReadonlySet<string> | 'ALL' {
  if (index.projection.type === 'ALL') return 'ALL';
  const names = new Set<string>([table.keySchema.hash, index.vectorAttribute, ...index.filters]);
  if (table.keySchema.range !== undefined) names.add(table.keySchema.range);
  if (index.hash !== undefined) names.add(index.hash);
  for (const name of index.projection.nonKeyAttributes ?? []) names.add(name);
  return names;
}

function projectForVectorIndex(table: TableRecord, index: VectorIndexRecord, item: Item): Item {
  const names = projectedNames(table, index);
  if (names === 'ALL') return item;
  const out: Item = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A vector index entry's value: the float32 vector, then the projected item's JSON. */
export function encodeVectorEntry(vector: Float32Array, projected: Item): Uint8Array {
  const json = Buffer.from(JSON.stringify(projected), 'utf8');
  const out = new Uint8Array(vector.byteLength + json.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  out.set(json, vector.byteLength);
  return out;
}

export interface DecodedVectorEntry {
  readonly vector: Float32Array;
  /** The projected item's JSON, parsed only for the results a search returns. */
  readonly json: Uint8Array;
}

export function decodeVectorEntry(value: Uint8Array, dimensions: number): DecodedVectorEntry {
  const vector = new Float32Array(dimensions);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  for (let i = 0; i < dimensions; i++) vector[i] = view.getFloat32(i * 4, true);
  return { vector, json: value.subarray(dimensions * 4) };
}

/** The in-memory form of the SearchSchema values an entry matches on: each attribute's key encoding, hex. */
export function searchValue(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || !('S' in value || 'N' in value || 'B' in value)) return undefined;
  return Buffer.from(encodeKeyValue(value)).toString('hex');
}

/** One commit's record of the entries it changed in one vector index (data/vector-search applies it). */
export interface VectorLogRecord {
  readonly index: VectorIndexRecord;
  readonly value: Uint8Array;
}

/** A log record's value: each changed entry key, length-prefixed (u16). */
export function encodeVectorLog(keys: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const key of keys) length += 2 + key.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const key of keys) {
    out[offset] = key.length >>> 8;
    out[offset + 1] = key.length & 0xff;
    out.set(key, offset + 2);
    offset += 2 + key.length;
  }
  return out;
}

export function decodeVectorLog(value: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  let offset = 0;
  while (offset + 2 <= value.length) {
    const length = (value[offset]! << 8) | value[offset + 1]!;
    keys.push(value.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  return keys;
}

/**
 * The writes that move every vector index of `table` from `oldItem` to
 * `newItem`, and a log record for each index whose entries changed. A
 * write that leaves an index's entry byte-for-byte the same writes nothing
 * to it (and logs nothing).
 */
export function vectorIndexWrites(
  table: TableRecord,
  oldItem: Item | undefined,
  newItem: Item | undefined,
  indexes: readonly VectorIndexRecord[] = vectorIndexes(table),
): { writes: KvWrite[]; logs: VectorLogRecord[] } {
  const writes: KvWrite[] = [];
  const logs: VectorLogRecord[] = [];
  for (const index of indexes) {
    const oldEntry = oldItem === undefined ? undefined : entryOf(table, index, oldItem);
    const newEntry = newItem === undefined ? undefined : entryOf(table, index, newItem);
    const changed: Uint8Array[] = [];
    if (oldEntry !== undefined && (newEntry === undefined || !bytesEqual(oldEntry.key, newEntry.key))) {
      writes.push({ key: oldEntry.key, value: null });
      changed.push(oldEntry.key);
    }
    if (newEntry !== undefined) {
      const same = oldEntry !== undefined && bytesEqual(oldEntry.key, newEntry.key) && bytesEqual(oldEntry.value(), newEntry.value());
      if (!same) {
        writes.push({ key: newEntry.key, value: newEntry.value() });
        changed.push(newEntry.key);
      }
    }
    if (changed.length > 0) logs.push({ index, value: encodeVectorLog(changed) });
  }
  return { writes, logs };
}

function entryOf(table: TableRecord, index: VectorIndexRecord, item: Item): { key: Uint8Array; value: () => Uint8Array } | undefined {
  const vector = itemVector(index, item);
  if (vector === undefined) return undefined;
  // A filter attribute of the wrong type (only items older than the index can have one) keeps the item out.
  for (const name of index.filters) {
    const value = item[name];
    if (value !== undefined && !isIndexableKeyValue(value, table.attributeDefinitions[name]!, 'range')) return undefined;
  }
  const key = vectorEntryKey(table, index, item);
  if (key === undefined) return undefined;
  let encoded: Uint8Array | undefined;
  return { key, value: () => (encoded ??= encodeVectorEntry(vector, projectForVectorIndex(table, index, item))) };
}
