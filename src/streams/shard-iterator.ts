/**
 * @module streams/shard-iterator
 * Shard iterators: opaque strings that say where in which shard a reader
 * is and when the iterator was issued (it expires 15 minutes later,
 * GetShardIterator reference). Shaped like DynamoDB's,
 * `<stream ARN>|1|<base64>`; the base64 part carries the table incarnation,
 * the position (read records above this sequence number) and the issue
 * time, with a short digest so that a mangled iterator is refused rather
 * than read from a wrong place. Nothing is kept on the server: any server
 * process sharing the store can continue an iterator.
 */
import { createHash } from 'node:crypto';

export interface ShardIterator {
  readonly streamArn: string;
  readonly tableId: number;
  /** Records with a sequence number above this one come next. */
  readonly after: bigint;
  /** Epoch ms. */
  readonly issuedAt: number;
}

/** Iterators expire 15 minutes after they are issued. */
export const ITERATOR_LIFETIME_MS = 15 * 60 * 1000;

const VERSION = 1;
const PAYLOAD_BYTES = 1 + 4 + 8 + 8;
const DIGEST_BYTES = 6;

function digest(streamArn: string, payload: Uint8Array): Buffer {
  return createHash('sha256').update(streamArn).update(payload).digest().subarray(0, DIGEST_BYTES);
}

export function encodeShardIterator(iterator: ShardIterator): string {
  const payload = new Uint8Array(PAYLOAD_BYTES);
  const view = new DataView(payload.buffer);
  payload[0] = VERSION;
  view.setUint32(1, iterator.tableId);
  view.setBigUint64(5, iterator.after);
  view.setBigUint64(13, BigInt(Math.max(0, Math.floor(iterator.issuedAt))));
  const blob = Buffer.concat([payload, digest(iterator.streamArn, payload)]);
  return `${iterator.streamArn}|1|${blob.toString('base64')}`;
}

/** The iterator a string encodes, or undefined if it is not one openddb issued. */
export function decodeShardIterator(text: string): ShardIterator | undefined {
  const bar = text.indexOf('|1|');
  if (bar <= 0) return undefined;
  const streamArn = text.slice(0, bar);
  const encoded = text.slice(bar + 3);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const blob = Buffer.from(encoded, 'base64');
  if (blob.byteLength !== PAYLOAD_BYTES + DIGEST_BYTES) return undefined;
  const payload = blob.subarray(0, PAYLOAD_BYTES);
  if (!digest(streamArn, payload).equals(blob.subarray(PAYLOAD_BYTES))) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload[0] !== VERSION) return undefined;
  return {
    streamArn,
    tableId: view.getUint32(1),
    after: view.getBigUint64(5),
    issuedAt: Number(view.getBigUint64(13)),
  };
}
