/**
 * @module transfer/input
 * Reading the input objects of an import or a bulk operation: every object
 * under the bucket and key prefix the request names (a key that is itself
 * an object counts), decompressed and parsed into records
 * (transfer/formats). Objects are read whole, one at a time.
 */
import type { KeyType } from '../values/types.js';
import type { Buckets, ObjectInfo } from './bucket.js';
import { decompress, parseCsv, parseDynamoJson, parseIon, type CompressionType, type InputRecord } from './formats.js';

export type InputFormat = 'DYNAMODB_JSON' | 'ION' | 'CSV';

export interface InputSpec {
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly format: InputFormat;
  readonly compression: CompressionType;
  readonly csv?: { readonly delimiter?: string; readonly headers?: readonly string[] };
  readonly keyTypes: Readonly<Record<string, KeyType>>;
}

/** The input objects, in key order: manifests, checksums and markers of an export are not data. */
export async function listInputObjects(buckets: Buckets, spec: InputSpec): Promise<ObjectInfo[]> {
  const all = await buckets.list(spec.bucket, spec.keyPrefix);
  return all.filter((o) => {
    const name = o.key.slice(o.key.lastIndexOf('/') + 1);
    return !/^manifest-(summary|files)\.(json|checksum)$/.test(name) && name !== '_started' && !o.key.endsWith('/');
  });
}

export async function readRecords(buckets: Buckets, spec: InputSpec, key: string): Promise<{ records: InputRecord[]; bytes: number; error?: string }> {
  const raw = await buckets.get(spec.bucket, key);
  let bytes: Uint8Array;
  try {
    bytes = await decompress(raw, spec.compression);
  } catch (e) {
    return { records: [], bytes: raw.length, error: `The object ${key} cannot be decompressed as ${spec.compression}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const records =
    spec.format === 'CSV'
      ? await parseCsv(text, { ...(spec.csv?.delimiter !== undefined ? { delimiter: spec.csv.delimiter } : {}), ...(spec.csv?.headers !== undefined ? { headers: spec.csv.headers } : {}), keyTypes: spec.keyTypes })
      : spec.format === 'ION'
        ? await parseIon(text)
        : parseDynamoJson(text);
  return { records, bytes: raw.length };
}
