/**
 * @module server/content-coding
 * HTTP content codings at DynamoDB's edge, both directions.
 *
 * Requests: a body sent with `Content-Encoding: gzip` or `deflate` (the
 * zlib format, RFC 9110 §8.4.1.2) is decoded before anything reads it.
 * DynamoDB answers every body it cannot decode — an unknown coding, a
 * broken, truncated or empty stream, one that inflates past the request
 * limit — with a 500 (ScyllaDB's Alternator test suite, run against
 * DynamoDB: test/alternator/test_compressed_request.py). Concatenated gzip
 * members are one valid gzip body (RFC 1952 §2.2); DynamoDB refuses bytes
 * after a zlib stream, so openddb does too.
 *
 * Responses: DynamoDB compresses a response body of 4 KB or more with gzip
 * or deflate when the request's Accept-Encoding allows one
 * (test/alternator/test_compressed_response.py records its choices for
 * several dozen Accept-Encoding values; `negotiateCoding` reproduces them).
 * The x-amz-crc32 header then describes the compressed bytes, as sent: the
 * AWS SDK for Go v2 documents this (service/dynamodb/internal/customizations)
 * and botocore checks the CRC of the undecoded body (it reads responses with
 * urllib3's decode_content=False).
 */
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';

export type ResponseCoding = 'gzip' | 'deflate';

/** DynamoDB compresses response bodies of this many bytes or more. */
export const COMPRESSION_THRESHOLD = 4096;

/**
 * Bodies up to this size are compressed on the event loop (measured: 19 µs
 * at 4 KB, 42 µs at 16 KB); larger ones on libuv's thread pool, whose round
 * trip (~100 µs) is then the cheaper wait, and one large answer does not
 * stall every other connection for milliseconds.
 */
const SYNC_COMPRESSION_LIMIT = 32 * 1024;

/**
 * Level 1: about three times faster than zlib's default on JSON bodies for
 * 10% less compression. openddb's clients are mostly on the same host or
 * network, where CPU is dearer than bytes.
 */
const ZLIB_OPTIONS: zlib.ZlibOptions = { level: zlib.constants.Z_BEST_SPEED };

const gzipAsync = promisify(zlib.gzip);
const deflateAsync = promisify(zlib.deflate);
const gunzipAsync = promisify(zlib.gunzip);
const inflateAsync = promisify(zlib.inflate) as unknown as (
  buffer: Buffer,
  options: zlib.ZlibOptions & { info: true },
) => Promise<{ buffer: Buffer; engine: zlib.Inflate }>;

/**
 * The coding DynamoDB would answer with for this Accept-Encoding value, or
 * undefined for an uncompressed answer. Its observed rules:
 * - codings other than gzip, deflate and `*` are ignored, `identity`
 *   included (`identity;q=0` does not make an uncompressed answer
 *   unacceptable, it is simply ignored); names are case-insensitive;
 *   entries that are not a bare token (`"gzip"`, `gzip br`) are ignored;
 * - a coding's weight is its first parsable `q` parameter (spaces allowed
 *   around `=`), clamped to [0, 1]; an unparsable q is ignored (weight 1);
 *   weight 0 means not acceptable; a coding listed twice keeps its highest;
 * - `*` gives its weight to gzip and deflate where they are not listed;
 * - the higher weight wins; on a tie a listed coding beats one that only
 *   `*` allows, the earlier listed beats the later, and gzip beats deflate.
 */
export function negotiateCoding(acceptEncoding: string): ResponseCoding | undefined {
  let gzipQ = -1;
  let deflateQ = -1;
  let starQ = -1;
  let gzipAt = 0;
  let deflateAt = 0;
  const entries = acceptEncoding.split(',');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const semicolon = entry.indexOf(';');
    const coding = trimOws(semicolon === -1 ? entry : entry.slice(0, semicolon)).toLowerCase();
    if (coding !== 'gzip' && coding !== 'deflate' && coding !== '*') continue;
    const q = semicolon === -1 ? 1 : qValue(entry.slice(semicolon + 1));
    if (coding === 'gzip') {
      if (q > gzipQ) [gzipQ, gzipAt] = [q, i];
    } else if (coding === 'deflate') {
      if (q > deflateQ) [deflateQ, deflateAt] = [q, i];
    } else if (q > starQ) {
      starQ = q;
    }
  }
  const starWeight = starQ > 0 ? starQ : 0;
  const gzip = gzipQ >= 0 ? gzipQ : starWeight;
  const deflate = deflateQ >= 0 ? deflateQ : starWeight;
  if (gzip <= 0 && deflate <= 0) return undefined;
  if (gzip !== deflate) return gzip > deflate ? 'gzip' : 'deflate';
  // A tie: listed before allowed by `*`, earlier before later, gzip first.
  const gzipRank = gzipQ >= 0 ? gzipAt : Infinity;
  const deflateRank = deflateQ >= 0 ? deflateAt : Infinity;
  return deflateRank < gzipRank ? 'deflate' : 'gzip';
}

const Q_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/** The weight in an entry's parameters (after its first `;`). */
function qValue(params: string): number {
  for (const param of params.split(';')) {
    const p = trimOws(param);
    if (p.length < 2 || (p.charCodeAt(0) | 0x20) !== 0x71 /* q */) continue;
    const rest = trimOws(p.slice(1));
    if (rest.charCodeAt(0) !== 0x3d /* = */) continue;
    const value = trimOws(rest.slice(1));
    if (!Q_NUMBER.test(value)) continue;
    const q = Number(value);
    return q < 0 ? 0 : q > 1 ? 1 : q;
  }
  return 1;
}

/** Strips optional whitespace (SP, HTAB). */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Compresses a response body; synchronously when it is small. */
export function compressBody(body: Buffer, coding: ResponseCoding): Buffer | Promise<Buffer> {
  if (body.length <= SYNC_COMPRESSION_LIMIT) {
    return coding === 'gzip' ? zlib.gzipSync(body, ZLIB_OPTIONS) : zlib.deflateSync(body, ZLIB_OPTIONS);
  }
  return coding === 'gzip' ? gzipAsync(body, ZLIB_OPTIONS) : deflateAsync(body, ZLIB_OPTIONS);
}

/** Why a request body could not be decoded. */
export type DecodeFailure = 'unsupported-coding' | 'bad-stream' | 'too-large';

/**
 * Decodes a request body by its Content-Encoding (undefined, empty or
 * `identity`: as is). Never rejects: a body that cannot be decoded gives
 * the failure's kind.
 */
export async function decodeRequestBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxLength: number,
): Promise<Buffer | DecodeFailure> {
  if (contentEncoding === undefined) return body;
  const coding = trimOws(contentEncoding).toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip' && coding !== 'deflate') return 'unsupported-coding';
  // An empty body is no gzip or zlib stream (zlib reports it as a truncated one).
  try {
    if (coding === 'gzip') return await gunzipAsync(body, { maxOutputLength: maxLength });
    const { buffer, engine } = await inflateAsync(body, { maxOutputLength: maxLength, info: true });
    // zlib stops at the end of the first stream; DynamoDB refuses what follows it.
    return engine.bytesWritten === body.length ? buffer : 'bad-stream';
  } catch (e) {
    return (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'bad-stream';
  }
}
