/**
 * @module indexes/index-entries
 * Pure index maintenance: for one table, an item's old and new versions →
 * the storage writes that keep every secondary index in step. Index entries
 * are written in the same commit as the item (docs/architecture.md), so indexes are
 * read-your-writes and never out of step after a crash.
 */
import { errors } from '../errors/index.js';
import { compositeEntryKey, entryKey } from '../catalog/key-space.js';
import type { CompositeKey, IndexRecord, TableRecord } from '../catalog/table-record.js';
import { keyAttributes } from '../catalog/table-record.js';
import type { AttributeValue, Item, KeyType } from '../values/types.js';
import type { KeyRole } from '../values/index.js';
import {
  MAX_HASH_KEY_SIZE,
  MAX_RANGE_KEY_SIZE,
  isIndexableKeyValue,
  keyValueSize,
  validateIndexKeyValue,
} from '../values/index.js';
import type { KvWrite } from '../storage/engine.js';
import { bytesEqual } from '../storage/byte-order.js';

const encoder = new TextEncoder();

/** The storage key of an item in the base table. */
export function itemKey(table: TableRecord, key: Item): Uint8Array {
  const hash = key[table.keySchema.hash]!;
  const range = table.keySchema.range === undefined ? undefined : key[table.keySchema.range];
  return entryKey(table.id, 0, hash, [range]);
}

/** The key attributes of an item (table key only). */
export function keyOf(table: TableRecord, item: Item): Item {
  const out: Item = { [table.keySchema.hash]: item[table.keySchema.hash]! };
  if (table.keySchema.range !== undefined) out[table.keySchema.range] = item[table.keySchema.range]!;
  return out;
}

export function isLocal(table: TableRecord, index: IndexRecord): boolean {
  return table.localIndexes.includes(index);
}

/**
 * The storage key of an item's entry in an index, or undefined when the item
 * lacks an index key attribute (indexes are sparse) or holds one the index
 * cannot take: the wrong type, an empty string or binary, or a value over
 * the key size limit. Writes refuse such values while the index exists
 * ({@link checkIndexKeyTypes}), but items written before a global index was
 * added may hold them, and DynamoDB's backfill leaves those items out.
 */
export function indexEntryKey(table: TableRecord, index: IndexRecord, item: Item): Uint8Array | undefined {
  if (index.keySchema.composite !== undefined) return compositeIndexEntryKey(table, index, index.keySchema.composite, item);
  const hash = item[index.keySchema.hash];
  if (hash === undefined || !isIndexableKeyValue(hash, table.attributeDefinitions[index.keySchema.hash]!, 'hash')) {
    return undefined;
  }
  let range: AttributeValue | undefined;
  if (index.keySchema.range !== undefined) {
    range = item[index.keySchema.range];
    if (range === undefined || !isIndexableKeyValue(range, table.attributeDefinitions[index.keySchema.range]!, 'range')) {
      return undefined;
    }
  }
  const tableHash = item[table.keySchema.hash]!;
  const tableRange = table.keySchema.range === undefined ? undefined : item[table.keySchema.range];
  const rest = isLocal(table, index) ? [range, tableRange] : [range, tableHash, tableRange];
  return entryKey(table.id, index.id, hash, rest);
}

/**
 * A multi-attribute index holds an item only when the item has every key
 * attribute of the index with the type the table defines for it.
 */
function compositeIndexEntryKey(table: TableRecord, index: IndexRecord, keys: CompositeKey, item: Item): Uint8Array | undefined {
  const definitions = table.attributeDefinitions;
  const partition: AttributeValue[] = [];
  for (const name of keys.hash) {
    const value = item[name];
    if (value === undefined || !fitsIndexKey(value, definitions[name]!)) return undefined;
    partition.push(value);
  }
  const rest: (AttributeValue | undefined)[] = [];
  for (const name of keys.range) {
    const value = item[name];
    if (value === undefined || !fitsIndexKey(value, definitions[name]!)) return undefined;
    rest.push(value);
  }
  // Over the size limits (met only by a backfill; writes are refused): left out.
  if (compositeKeySizeError(index, keys, item) !== undefined) return undefined;
  rest.push(item[table.keySchema.hash]!);
  if (table.keySchema.range !== undefined) rest.push(item[table.keySchema.range]);
  return compositeEntryKey(table.id, index.id, partition, rest);
}

/**
 * A multi-attribute key is held to the key size limits as a whole: the
 * HASH values together at most 2,048 bytes, the RANGE values together at
 * most 1,024 (DynamoDB Local 3.3's rule and text). Checked only for an item
 * the index would hold, that is one with every key attribute.
 */
export function compositeKeySizeError(index: IndexRecord, keys: CompositeKey, item: Item): string | undefined {
  const roles = [
    ['HASH', keys.hash, MAX_HASH_KEY_SIZE],
    ['RANGE', keys.range, MAX_RANGE_KEY_SIZE],
  ] as const;
  const sizes: number[] = [];
  for (const [, names] of roles) {
    let size = 0;
    for (const name of names) {
      const value = item[name];
      if (value === undefined) return undefined;
      size += keyValueSize(value);
    }
    sizes.push(size);
  }
  for (const [i, [role, names, limit]] of roles.entries()) {
    if (sizes[i]! > limit) {
      return (
        `Aggregate size for ${role} key attributes ${names.join(', ')} of index ${index.name} ` +
        `has exceeded limit ${limit} bytes, with actual size ${sizes[i]!} bytes`
      );
    }
  }
  return undefined;
}

/** A value an index key can hold: the defined type, and not an empty string or binary. */
function fitsIndexKey(value: AttributeValue, type: KeyType): boolean {
  if (type === 'S') return 'S' in value && value.S !== '';
  if (type === 'B') return 'B' in value && value.B !== '';
  return 'N' in value;
}

/** The attributes an index holds for an item, per its projection. */
export function projectForIndex(table: TableRecord, index: IndexRecord, item: Item): Item {
  if (index.projection.type === 'ALL') return item;
  const names = new Set<string>([table.keySchema.hash, index.keySchema.hash]);
  if (table.keySchema.range !== undefined) names.add(table.keySchema.range);
  if (index.keySchema.range !== undefined) names.add(index.keySchema.range);
  if (index.keySchema.composite !== undefined) for (const n of keyAttributes(index.keySchema)) names.add(n);
  if (index.projection.type === 'INCLUDE') for (const n of index.projection.nonKeyAttributes ?? []) names.add(n);
  const out: Item = {};
  for (const name of names) {
    const v = item[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Rejects an item whose index key attribute has the wrong type, is empty or
 * is over the index key size limit, as DynamoDB does at write time.
 */
export function checkIndexKeyTypes(table: TableRecord, item: Item, indexes: readonly IndexRecord[]): void {
  for (const index of indexes) {
    const { composite } = index.keySchema;
    // A multi-attribute key is held to the size limits as a whole, below;
    // a single attribute by its role.
    const named: readonly (readonly [string | undefined, KeyRole | undefined])[] =
      composite === undefined
        ? [
            [index.keySchema.hash, 'hash'],
            [index.keySchema.range, 'range'],
          ]
        : keyAttributes(index.keySchema).map((name) => [name, undefined] as const);
    for (const [name, role] of named) {
      if (name === undefined) continue;
      const message = validateIndexKeyValue(name, item[name], table.attributeDefinitions[name]!, index.name, role);
      if (message !== undefined) throw errors.validation(message);
    }
    if (composite !== undefined) {
      const message = compositeKeySizeError(index, composite, item);
      if (message !== undefined) throw errors.validation(message);
    }
  }
}

/**
 * The writes that move every given index from `oldItem` to `newItem`
 * (either may be undefined: a create or a delete).
 */
export function indexWrites(
  table: TableRecord,
  indexes: readonly IndexRecord[],
  oldItem: Item | undefined,
  newItem: Item | undefined,
): KvWrite[] {
  const writes: KvWrite[] = [];
  for (const index of indexes) {
    const oldKey = oldItem && indexEntryKey(table, index, oldItem);
    const newKey = newItem && indexEntryKey(table, index, newItem);
    if (oldKey !== undefined && (newKey === undefined || !bytesEqual(oldKey, newKey))) {
      writes.push({ key: oldKey, value: null });
    }
    if (newKey !== undefined) {
      writes.push({ key: newKey, value: encoder.encode(JSON.stringify(projectForIndex(table, index, newItem!))) });
    }
  }
  return writes;
}
