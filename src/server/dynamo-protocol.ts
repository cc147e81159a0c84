/**
 * @module server/dynamo-protocol
 * DynamoDB's wire protocol (AWS JSON 1.0 over POST /) as one
 * transport-independent function: a whole request in (method, URL, headers,
 * body bytes), a whole response out (status, headers, body bytes). Both HTTP
 * front ends — node:http (http-server) and the node:net one (fast-http/) —
 * call it, so they cannot drift apart in behaviour: health GET /, CORS,
 * 404 for non-POST or a foreign content type, compressed bodies both ways
 * (server/content-coding), the refusal of text that is not Unicode
 * (server/json-unicode), the auth-header checks, `Server`,
 * `x-amzn-RequestId`, `x-amz-crc32`, Content-Type echo and error envelopes
 * all live here. Body size limits and framing stay with the transports,
 * which must refuse a body before buffering it.
 */
import * as zlib from 'node:zlib';
import { isUtf8 } from 'node:buffer';
import { DynamoError, errors } from '../errors/index.js';
import { checkAuthorization } from './auth-header.js';
import { COMPRESSION_THRESHOLD, compressBody, decodeRequestBody, negotiateCoding, type ResponseCoding } from './content-coding.js';
import { hasLoneSurrogateEscape } from './json-unicode.js';
import { newRequestId } from './request-id.js';
import { credentialRegion } from './auth-header.js';
import { authenticate, type AuthSource } from './authenticate.js';
import type { Verified } from '../auth/sigv4.js';
import type { Identity } from '../auth/identities.js';
import type { Dispatcher } from '../api/dispatcher.js';
import type { Operation } from '../api/operation.js';
import { RawJson } from '../data/raw-json.js';
import type { RequestObserver } from './request-observer.js';
import { answerOpsEndpoint, type OpsEndpoints } from './ops-endpoints.js';
import { DropConnection, type Pressure } from '../pressure/pressure.js';
import { ADMIN_PREFIX, answerAdmin } from './admin-endpoint.js';

/**
 * DynamoDB's largest request (BatchWriteItem) is 16 MB of items plus JSON
 * framing; anything past this is refused before it is buffered. A
 * compressed body may not inflate past it either.
 */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024 + 64 * 1024;

const TARGET_PREFIXES = ['DynamoDB_20120810.', 'DynamoDBStreams_20120810.'];

/**
 * Header names in lower case, as node:http's `IncomingMessage.headers` has
 * them (a repeated header is either joined with ", " or, for the fields
 * node:http keeps once, its first value).
 */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface ProtocolRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: RequestHeaders;
  /**
   * The header lines as received, flat name/value pairs (node:http's
   * `rawHeaders`), where `headers` merged repeated fields: DynamoDB heeds
   * only the last Accept-Encoding line. A front end that keeps the last
   * Accept-Encoding in `headers` itself leaves this out.
   */
  readonly rawHeaders?: readonly string[];
  /** The body as received (possibly compressed); empty if none. */
  readonly body: Buffer;
  /** The client's IP address (the `aws:SourceIp` of policies); absent if unknown. */
  readonly remoteAddress?: string | undefined;
  /** Received over TLS (`aws:SecureTransport`); else the context's `secure` decides. */
  readonly secure?: boolean;
}

export interface ProtocolResponse {
  readonly status: number;
  /**
   * Flat name/value pairs, in order, always including Content-Length: the
   * shape `ServerResponse.writeHead` takes, and cheap to serialise by hand.
   * Transports add Date and Connection themselves.
   */
  readonly headers: readonly string[];
  readonly body: Buffer;
  /** Send nothing: close the connection at once (fault injection's dropped connection and timeout; pressure/). */
  readonly drop?: boolean;
}

export interface ProtocolContext {
  readonly dispatcher: Dispatcher;
  readonly log: (line: string) => void;
  /** Records each request's latency and outcome and logs errors and slow requests (server/request-observer). */
  readonly observer?: RequestObserver;
  /** GET /metrics, /health, /health/ready, /console/ (server/ops-endpoints). */
  readonly ops?: OpsEndpoints;
  /** The identities of `--auth`: signatures are verified and policies applied (server/authenticate). Absent: anonymous. */
  readonly auth?: AuthSource;
  /** This front end serves TLS. */
  readonly secure?: boolean;
  /** The pressure modes, for the admin endpoint (server/admin-endpoint). */
  readonly pressure?: Pressure;
  /**
   * The front end's header values hold no CR or LF and no white space at
   * their start (fast-http's parser): `--auth` canonicalises them for SigV4
   * with one look over the canonical request (auth/sigv4 SignedRequest.trimmedValues).
   */
  readonly trimmedHeaderValues?: boolean;
}

const EMPTY = Buffer.alloc(0);
const DROPPED: ProtocolResponse = { status: 0, headers: [], body: EMPTY, drop: true };
const HEALTH_BODY = Buffer.from('healthy: dynamodb.us-east-1.amazonaws.com ', 'latin1');
const HEALTH_CRC = String(zlib.crc32(HEALTH_BODY));
const UNKNOWN_BODY = Buffer.from('<UnknownOperationException/>\n', 'latin1');
const UNKNOWN_CRC = String(zlib.crc32(UNKNOWN_BODY));

/**
 * DynamoDB's `Server` header, first in every answer, as it sends it (a
 * preflight recorded from dynamodb.us-east-1.amazonaws.com in
 * github.com/AllanZhengYP/cors-test, output.md).
 */
export const SERVER_HEADER = ['Server', 'Server'] as const;

/**
 * CORS, as DynamoDB answers a browser (the same recording; ScyllaDB's
 * test/alternator/test_cors.py checks the rules against DynamoDB): any
 * request with an Origin gets `Allow-Origin: *` and these exposed headers;
 * a preflight (OPTIONS) also gets the requested headers and method echoed
 * back and a two-day Max-Age, so every SDK header (x-amz-*, amz-sdk-*,
 * authorization) is allowed.
 */
const CORS_EXPOSE_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date';
const CORS_MAX_AGE = '172800';

/** Invalid UTF-8 or a lone surrogate: DynamoDB's JSON reader refuses the text as it refuses malformed JSON. */
const SERIALIZATION = 'com.amazon.coral.service#SerializationException';

/**
 * The response to a body over MAX_REQUEST_BYTES. The transport sends it
 * without reading the rest of the body and then closes the connection.
 */
export function tooLargeResponse(): ProtocolResponse {
  return { status: 413, headers: [...SERVER_HEADER, 'Connection', 'close', 'Content-Length', '0'], body: EMPTY };
}

/**
 * The bare answer to a request the HTTP layer cannot accept (a malformed
 * or oversized head, no Host): DynamoDB's front end answers 400 and closes.
 */
export function badRequestResponse(): ProtocolResponse {
  return { status: 400, headers: [...SERVER_HEADER, 'Connection', 'close', 'Content-Length', '0'], body: EMPTY };
}

/**
 * Answers one request. Never rejects: an unexpected exception becomes an
 * InternalServerError envelope, logged with its request id.
 */
export async function handleRequest(req: ProtocolRequest, ctx: ProtocolContext): Promise<ProtocolResponse> {
  const requestId = newRequestId();
  const started = ctx.observer === undefined ? 0 : ctx.observer.now();
  try {
    return await answer(req, ctx, requestId, started);
  } catch (e) {
    ctx.log(`request ${requestId} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return internalErrorResponse(requestId);
  }
}

/** DynamoDB's InternalServerError envelope: what a client gets when anything unexpected fails. */
export function internalErrorResponse(requestId = newRequestId()): ProtocolResponse {
  const body = Buffer.from(JSON.stringify(errors.internal().toBody()), 'utf8');
  return plainResponse(500, body, 'application/x-amz-json-1.0', requestId, undefined);
}

/** What every answer to one request shares. */
interface Reply {
  readonly req: ProtocolRequest;
  readonly requestId: string;
  /** The Content-Type answers carry: the request's JSON type. */
  contentType: string;
  /** CORS headers for a request with an Origin, last in every answer's headers. */
  readonly cors: string[] | undefined;
  readonly observer: RequestObserver | undefined;
  /** When the request arrived (observer.now()). */
  readonly started: number;
  /** The operation's name once the target resolved to one. */
  operation: string | undefined;
  /** The parsed body once parsed. */
  input: unknown;
}

async function answer(req: ProtocolRequest, ctx: ProtocolContext, requestId: string, started: number): Promise<ProtocolResponse> {
  const headers = req.headers;
  const origin = headers.origin;
  const cors = origin !== undefined && origin !== '' ? ['Access-Control-Allow-Origin', '*'] : undefined;
  if (cors !== undefined && req.method === 'OPTIONS') {
    const allowHeaders = header(headers, 'access-control-request-headers');
    const allowMethod = header(headers, 'access-control-request-method');
    if (allowHeaders) cors.push('Access-Control-Allow-Headers', allowHeaders);
    if (allowMethod) cors.push('Access-Control-Allow-Methods', allowMethod);
    cors.push('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS, 'Access-Control-Max-Age', CORS_MAX_AGE);
    return { status: 200, headers: [...SERVER_HEADER, 'x-amzn-RequestId', requestId, ...cors, 'Content-Length', '0'], body: EMPTY };
  }
  cors?.push('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
  const reply: Reply = {
    req,
    requestId,
    contentType: 'application/x-amz-json-1.0',
    cors,
    observer: ctx.observer,
    started,
    operation: undefined,
    input: undefined,
  };

  // DynamoDB's endpoint answers a plain GET with a health line.
  if (req.method === 'GET' && (req.url === '/' || req.url.startsWith('/?'))) {
    return withHead(reply, 200, HEALTH_BODY, ['Content-Type', 'text/plain', 'x-amz-crc32', HEALTH_CRC]);
  }
  if (req.method === 'GET' && ctx.ops !== undefined) {
    const answered = answerOpsEndpoint(req.url, ctx.ops, req.remoteAddress, headers);
    if (answered !== undefined) return answered;
  }

  if (req.url.startsWith(ADMIN_PREFIX)) return answerAdmin(req, ctx.pressure, ctx.auth);

  const raw = req.body;
  const sentType = header(headers, 'content-type');
  // What every SDK sends, as it sends it, needs no splitting and no lower-casing.
  const contentType = sentType === 'application/x-amz-json-1.0' ? sentType : (sentType ?? '').split(';')[0]!.trim().toLowerCase();
  const jsonContentType = contentType === 'application/x-amz-json-1.0' || contentType === 'application/json';
  if (req.method !== 'POST' || (raw.length > 0 && !jsonContentType)) {
    return withHead(reply, 404, UNKNOWN_BODY, ['x-amz-crc32', UNKNOWN_CRC]);
  }
  if (contentType === 'application/json') reply.contentType = 'application/json';

  // With --auth the signature is verified first, over the body as received:
  // a client without valid credentials costs a hash, never an inflate or a parse.
  let signer: Verified<Identity> | undefined;
  let operation: Operation | undefined;
  if (ctx.auth !== undefined) {
    // DynamoDB names an unknown operation before it looks at the signature (dynalite's recording).
    operation = findOperation(ctx.dispatcher, headers['x-amz-target']);
    if (operation === undefined) return errorResponse(reply, errors.unknownOperation());
    const verified = authenticate(req, ctx.auth, ctx.trimmedHeaderValues === true);
    if (verified instanceof DynamoError) return errorResponse(reply, verified);
    signer = verified;
  }

  let bodyBytes: Buffer = raw;
  const contentEncoding = header(headers, 'content-encoding');
  if (contentEncoding !== undefined) {
    const decoded = await decodeRequestBody(raw, contentEncoding, MAX_REQUEST_BYTES);
    // DynamoDB answers a body it cannot decode with a 500 (see server/content-coding).
    if (typeof decoded === 'string') return errorResponse(reply, undecodableBody());
    bodyBytes = decoded;
  }

  let input: unknown;
  if (bodyBytes.length > 0) {
    const text = bodyBytes.toString('utf8');
    // Decoding turned each invalid UTF-8 sequence into U+FFFD; only a text
    // holding one (rare) needs the full check, so valid text costs a scan
    // that V8 skips outright for the common one-byte strings.
    if (text.indexOf('\ufffd') !== -1 && !isUtf8(bodyBytes)) {
      return errorResponse(reply, new DynamoError(SERIALIZATION, undefined));
    }
    try {
      input = JSON.parse(text);
    } catch {
      return errorResponse(reply, new DynamoError(SERIALIZATION, undefined));
    }
    // Only text with a backslash can hold an escape: one scan of the string (cheaper than the bytes' indexOf).
    if (text.indexOf('\\') !== -1 && hasLoneSurrogateEscape(bodyBytes)) return errorResponse(reply, new DynamoError(SERIALIZATION, undefined));
  }

  // With --auth, found before the signature was checked.
  operation ??= findOperation(ctx.dispatcher, headers['x-amz-target']);
  if (operation === undefined) return errorResponse(reply, errors.unknownOperation());
  reply.operation = operation.name;
  reply.input = input;

  if (ctx.auth === undefined) {
    const authError = checkAuthorization(
      header(headers, 'authorization'),
      header(headers, 'x-amz-date'),
      header(headers, 'date'),
      req.url.includes('X-Amz-Signature='),
    );
    if (authError) return errorResponse(reply, authError);
  }

  if (bodyBytes.length === 0) return errorResponse(reply, new DynamoError(SERIALIZATION, undefined));

  let result: unknown;
  try {
    // Tables live in the credential scope's region; Host is where the client reached us (DescribeEndpoints).
    const origin =
      signer === undefined
        ? { region: credentialRegion(header(headers, 'authorization'), req.url), host: header(headers, 'host') }
        : { region: signer.region, host: header(headers, 'host'), principal: signer.credential, sourceIp: req.remoteAddress, secure: req.secure ?? ctx.secure ?? false };
    result = await ctx.dispatcher.run(operation, input, requestId, origin);
  } catch (e) {
    if (e instanceof DynamoError) return errorResponse(reply, e);
    if (e instanceof DropConnection) return DROPPED;
    if (reply.observer !== undefined) reply.observer.crashed(operation.name, input, e, started, requestId);
    else ctx.log(`request ${requestId} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return jsonResponse(reply, 500, Buffer.from(JSON.stringify(errors.internal().toBody()), 'utf8'));
  }
  reply.observer?.succeeded(operation.name, input, started, requestId);
  const body = result instanceof RawJson ? result.toBytes() : Buffer.from(JSON.stringify(result ?? {}), 'utf8');
  return jsonResponse(reply, 200, body);
}

/**
 * A body DynamoDB cannot decode: an unknown Content-Encoding, a broken,
 * truncated or empty stream, or one inflating past the request limit. It
 * answers 500; the envelope is AWS's common InternalFailure error, as
 * DynamoDB Local words it.
 */
function undecodableBody(): DynamoError {
  return new DynamoError(
    'com.amazonaws.dynamodb.v20120810#InternalFailure',
    'The request processing has failed because of an unknown error, exception or failure.',
    500,
  );
}

/** The operation an X-Amz-Target names; undefined if none. */
function findOperation(dispatcher: Dispatcher, target: string | string[] | undefined): Operation | undefined {
  if (typeof target !== 'string') return undefined;
  const prefix = TARGET_PREFIXES.find((p) => target.startsWith(p));
  return prefix === undefined ? undefined : dispatcher.find(prefix, target.slice(prefix.length));
}

function header(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The Accept-Encoding that counts: DynamoDB heeds only the last such header line. */
function acceptEncoding(req: ProtocolRequest): string | undefined {
  const raw = req.rawHeaders;
  if (raw === undefined) return header(req.headers, 'accept-encoding');
  let last: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 15 && name.toLowerCase() === 'accept-encoding') last = raw[i + 1];
  }
  return last;
}

function errorResponse(reply: Reply, error: DynamoError): ProtocolResponse | Promise<ProtocolResponse> {
  reply.observer?.failed(reply.operation, reply.input, error, reply.started, reply.requestId);
  return jsonResponse(reply, error.statusCode, Buffer.from(JSON.stringify(error.toBody()), 'utf8'));
}

/**
 * A JSON answer, compressed when it is large and the client accepts a
 * coding. Small answers — nearly all — cost one length comparison more.
 */
function jsonResponse(reply: Reply, status: number, body: Buffer): ProtocolResponse | Promise<ProtocolResponse> {
  if (body.length >= COMPRESSION_THRESHOLD) {
    const accept = acceptEncoding(reply.req);
    const coding = accept === undefined ? undefined : negotiateCoding(accept);
    if (coding !== undefined) {
      const compressed = compressBody(body, coding);
      return Buffer.isBuffer(compressed)
        ? compressedResponse(reply, status, compressed, coding)
        : compressed.then((bytes) => compressedResponse(reply, status, bytes, coding));
    }
  }
  return plainResponse(status, body, reply.contentType, reply.requestId, reply.cors);
}

function compressedResponse(reply: Reply, status: number, body: Buffer, coding: ResponseCoding): ProtocolResponse {
  return withHead(reply, status, body, [
    'Content-Type',
    reply.contentType,
    'Content-Encoding',
    coding,
    // The CRC of the bytes as sent, i.e. compressed (see server/content-coding).
    'x-amz-crc32',
    String(zlib.crc32(body)),
  ]);
}

function plainResponse(status: number, body: Buffer, contentType: string, requestId: string, cors: string[] | undefined): ProtocolResponse {
  const headers = [
    'Server',
    'Server',
    'x-amzn-RequestId',
    requestId,
    'Content-Type',
    contentType,
    'Content-Length',
    String(body.length),
    'x-amz-crc32',
    String(zlib.crc32(body)),
  ];
  if (cors !== undefined) headers.push(...cors);
  return { status, headers, body };
}

/** A response with the given headers between the request id and Content-Length. */
function withHead(reply: Reply, status: number, body: Buffer, headers: readonly string[]): ProtocolResponse {
  const out = [...SERVER_HEADER, 'x-amzn-RequestId', reply.requestId, ...headers, 'Content-Length', String(body.length)];
  if (reply.cors !== undefined) out.push(...reply.cors);
  return { status, headers: out, body };
}
