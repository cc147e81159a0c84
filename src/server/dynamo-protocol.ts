/**
 * @module server/dynamo-protocol
 * DynamoDB's wire protocol (AWS JSON 1.0 over POST /) as one
 * transport-independent function: a whole request in (method, URL, headers,
 * body bytes), a whole response out (status, headers, body bytes). Both HTTP
 * front ends — node:http (http-server) and the node:net one (fast-http/) —
 * call it, so they cannot drift apart in behaviour: health GET /, CORS,
 * 404 for non-POST or a foreign content type, gzip bodies, the auth-header
 * checks, `x-amzn-RequestId`, `x-amz-crc32`, Content-Type echo and error
 * envelopes all live here. Body size limits and framing stay with the
 * transports, which must refuse a body before buffering it.
 */
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { DynamoError, errors } from '../errors/index.js';
import { checkAuthorization } from './auth-header.js';
import { newRequestId } from './request-id.js';
import { credentialRegion } from './auth-header.js';
import type { Dispatcher } from '../api/dispatcher.js';
import { RawJson } from '../data/raw-json.js';

const gunzip = promisify(zlib.gunzip);

/**
 * DynamoDB's largest request (BatchWriteItem) is 16 MB of items plus JSON
 * framing; anything past this is refused before it is buffered.
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
  /** The body as received (possibly gzip-encoded); empty if none. */
  readonly body: Buffer;
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
}

export interface ProtocolContext {
  readonly dispatcher: Dispatcher;
  readonly log: (line: string) => void;
}

const EMPTY = Buffer.alloc(0);
const HEALTH_BODY = Buffer.from('healthy: dynamodb.us-east-1.amazonaws.com ', 'latin1');
const HEALTH_CRC = String(zlib.crc32(HEALTH_BODY));
const UNKNOWN_BODY = Buffer.from('<UnknownOperationException/>\n', 'latin1');
const UNKNOWN_CRC = String(zlib.crc32(UNKNOWN_BODY));

/**
 * The response to a body over MAX_REQUEST_BYTES. The transport sends it
 * without reading the rest of the body and then closes the connection.
 */
export function tooLargeResponse(): ProtocolResponse {
  return { status: 413, headers: ['Connection', 'close', 'Content-Length', '0'], body: EMPTY };
}

/**
 * Answers one request. Never rejects: an unexpected exception becomes an
 * InternalServerError envelope, logged with its request id.
 */
export async function handleRequest(req: ProtocolRequest, ctx: ProtocolContext): Promise<ProtocolResponse> {
  const requestId = newRequestId();
  try {
    return await answer(req, ctx, requestId);
  } catch (e) {
    ctx.log(`request ${requestId} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return internalErrorResponse(requestId);
  }
}

/** DynamoDB's InternalServerError envelope: what a client gets when anything unexpected fails. */
export function internalErrorResponse(requestId = newRequestId()): ProtocolResponse {
  return errorResponse(errors.internal(), requestId, 'application/x-amz-json-1.0', undefined);
}

async function answer(req: ProtocolRequest, ctx: ProtocolContext, requestId: string): Promise<ProtocolResponse> {
  const headers = req.headers;
  // A browser's requests carry Origin; DynamoDB answers them with CORS
  // headers in front of whatever the response is.
  const cors = headers.origin !== undefined ? ['x-amzn-RequestId', requestId, 'Access-Control-Allow-Origin', '*'] : undefined;
  if (cors !== undefined && req.method === 'OPTIONS') {
    const allowHeaders = header(headers, 'access-control-request-headers');
    const allowMethod = header(headers, 'access-control-request-method');
    if (allowHeaders) cors.push('Access-Control-Allow-Headers', allowHeaders);
    if (allowMethod) cors.push('Access-Control-Allow-Methods', allowMethod);
    cors.push('Access-Control-Max-Age', '172800', 'Content-Length', '0');
    return { status: 200, headers: cors, body: EMPTY };
  }

  // DynamoDB's endpoint answers a plain GET with a health line.
  if (req.method === 'GET' && (req.url === '/' || req.url.startsWith('/?'))) {
    return {
      status: 200,
      headers: withCors(cors, [
        'x-amzn-RequestId',
        requestId,
        'Content-Type',
        'text/plain',
        'x-amz-crc32',
        HEALTH_CRC,
        'Content-Length',
        String(HEALTH_BODY.length),
      ]),
      body: HEALTH_BODY,
    };
  }

  const raw = req.body;
  const contentType = (header(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const jsonContentType = contentType === 'application/x-amz-json-1.0' || contentType === 'application/json';
  if (req.method !== 'POST' || (raw.length > 0 && !jsonContentType)) {
    return {
      status: 404,
      headers: withCors(cors, ['x-amzn-RequestId', requestId, 'x-amz-crc32', UNKNOWN_CRC, 'Content-Length', String(UNKNOWN_BODY.length)]),
      body: UNKNOWN_BODY,
    };
  }
  const responseType = contentType === 'application/json' ? 'application/json' : 'application/x-amz-json-1.0';

  let bodyBytes: Buffer = raw;
  const encoding = (header(headers, 'content-encoding') ?? '').toLowerCase();
  if (encoding === 'gzip' && raw.length > 0) {
    try {
      bodyBytes = await gunzip(raw, { maxOutputLength: MAX_REQUEST_BYTES });
    } catch {
      return errorResponse(errors.serialization('Unable to decompress the request body'), requestId, responseType, cors);
    }
  }

  let input: unknown;
  if (bodyBytes.length > 0) {
    try {
      input = JSON.parse(bodyBytes.toString('utf8'));
    } catch {
      return errorResponse(new DynamoError('com.amazon.coral.service#SerializationException', undefined), requestId, responseType, cors);
    }
  }

  const target = headers['x-amz-target'];
  const prefix = typeof target === 'string' ? TARGET_PREFIXES.find((p) => target.startsWith(p)) : undefined;
  const operation = prefix !== undefined ? ctx.dispatcher.find(prefix, (target as string).slice(prefix.length)) : undefined;
  if (operation === undefined) return errorResponse(errors.unknownOperation(), requestId, responseType, cors);

  const authError = checkAuthorization(
    header(headers, 'authorization'),
    header(headers, 'x-amz-date'),
    header(headers, 'date'),
    req.url.includes('X-Amz-Signature='),
  );
  if (authError) return errorResponse(authError, requestId, responseType, cors);

  if (bodyBytes.length === 0) {
    return errorResponse(new DynamoError('com.amazon.coral.service#SerializationException', undefined), requestId, responseType, cors);
  }

  let result: unknown;
  try {
    // Tables live in the credential scope's region; Host is where the client reached us (DescribeEndpoints).
    const origin = { region: credentialRegion(header(headers, 'authorization'), req.url), host: header(headers, 'host') };
    result = await ctx.dispatcher.run(operation, input, requestId, origin);
  } catch (e) {
    if (e instanceof DynamoError) return errorResponse(e, requestId, responseType, cors);
    ctx.log(`request ${requestId} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return errorResponse(errors.internal(), requestId, responseType, cors);
  }
  const body = result instanceof RawJson ? result.toBytes() : Buffer.from(JSON.stringify(result ?? {}), 'utf8');
  return response(200, body, responseType, requestId, cors);
}

function header(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * CORS headers go first, as node:http orders headers set with setHeader
 * before those passed to writeHead; the request id is not repeated.
 */
function withCors(cors: string[] | undefined, headers: string[]): string[] {
  if (cors === undefined) return headers;
  const out = cors.slice();
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'x-amzn-RequestId') out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

function errorResponse(error: DynamoError, requestId: string, contentType: string, cors: string[] | undefined): ProtocolResponse {
  return response(error.statusCode, Buffer.from(JSON.stringify(error.toBody()), 'utf8'), contentType, requestId, cors);
}

function response(status: number, body: Buffer, contentType: string, requestId: string, cors: string[] | undefined): ProtocolResponse {
  return {
    status,
    headers: withCors(cors, [
      'x-amzn-RequestId',
      requestId,
      'Content-Type',
      contentType,
      'Content-Length',
      String(body.length),
      'x-amz-crc32',
      String(zlib.crc32(body)),
    ]),
    body,
  };
}
