/**
 * @module server/http-server
 * The HTTP edge: AWS JSON 1.0 over POST /, as DynamoDB speaks it. Reads the
 * body (bounded, optionally gzip-encoded), checks the protocol-level headers
 * in DynamoDB's order, dispatches to an operation, and writes the response
 * with `x-amzn-RequestId` and `x-amz-crc32`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { DynamoError, errors } from '../errors/index.js';
import { checkAuthorization } from './auth-header.js';
import { newRequestId } from './request-id.js';
import type { Dispatcher } from '../ops/dispatcher.js';
import { RawJson } from '../ops/raw-json.js';

const gunzip = promisify(zlib.gunzip);

/**
 * DynamoDB's largest request (BatchWriteItem) is 16 MB of items plus JSON
 * framing; anything past this is refused before it is buffered.
 */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024 + 64 * 1024;

const TARGET_PREFIXES = ['DynamoDB_20120810.', 'DynamoDBStreams_20120810.'];

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly dispatcher: Dispatcher;
  readonly log: (line: string) => void;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res, options).catch((e: unknown) => {
      options.log(`unhandled error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) sendError(res, errors.internal(), newRequestId(), 'application/x-amz-json-1.0');
      else res.destroy();
    });
  });
  server.headersTimeout = 60_000;
  server.requestTimeout = 300_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * Collects the body with plain stream events: cheaper per request than an
 * async iterator, which matters on a path that runs for every call.
 */
function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BYTES) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve('too-large');
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = () => resolve(chunks ? Buffer.concat(chunks, length) : (first ?? EMPTY));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

const EMPTY = Buffer.alloc(0);

async function handle(req: http.IncomingMessage, res: http.ServerResponse, options: HttpServerOptions): Promise<void> {
  const raw = await readBody(req);
  if (raw === 'too-large') {
    res.statusCode = 413;
    res.setHeader('Connection', 'close');
    res.end();
    req.destroy();
    return;
  }
  const requestId = newRequestId();

  if (req.headers.origin !== undefined) {
    res.setHeader('x-amzn-RequestId', requestId);
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      const allowHeaders = req.headers['access-control-request-headers'];
      const allowMethod = req.headers['access-control-request-method'];
      if (allowHeaders) res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      if (allowMethod) res.setHeader('Access-Control-Allow-Methods', allowMethod);
      res.setHeader('Access-Control-Max-Age', '172800');
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
  }

  // DynamoDB's endpoint answers a plain GET with a health line.
  if (req.method === 'GET' && (req.url === '/' || req.url?.startsWith('/?'))) {
    const body = 'healthy: dynamodb.us-east-1.amazonaws.com ';
    res.setHeader('x-amzn-RequestId', requestId);
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('x-amz-crc32', String(zlib.crc32(body)));
    res.end(body);
    return;
  }

  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const jsonContentType = contentType === 'application/x-amz-json-1.0' || contentType === 'application/json';
  if (req.method !== 'POST' || (raw.length > 0 && !jsonContentType)) {
    const body = '<UnknownOperationException/>\n';
    res.setHeader('x-amzn-RequestId', requestId);
    res.statusCode = 404;
    res.setHeader('x-amz-crc32', String(zlib.crc32(body)));
    res.end(body);
    return;
  }
  const responseType = contentType === 'application/json' ? 'application/json' : 'application/x-amz-json-1.0';

  let bodyBytes: Buffer = raw;
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip' && raw.length > 0) {
    try {
      bodyBytes = await gunzip(raw, { maxOutputLength: MAX_REQUEST_BYTES });
    } catch {
      return sendError(res, errors.serialization('Unable to decompress the request body'), requestId, responseType);
    }
  }

  let input: unknown;
  if (bodyBytes.length > 0) {
    try {
      input = JSON.parse(bodyBytes.toString('utf8'));
    } catch {
      return sendError(res, new DynamoError('com.amazon.coral.service#SerializationException', undefined), requestId, responseType);
    }
  }

  const target = req.headers['x-amz-target'];
  const prefix = typeof target === 'string' ? TARGET_PREFIXES.find((p) => target.startsWith(p)) : undefined;
  const operation = prefix !== undefined ? options.dispatcher.find(prefix, (target as string).slice(prefix.length)) : undefined;
  if (operation === undefined) return sendError(res, errors.unknownOperation(), requestId, responseType);

  const url = req.url ?? '/';
  const authError = checkAuthorization(
    req.headers.authorization,
    header(req, 'x-amz-date'),
    header(req, 'date'),
    url.includes('X-Amz-Signature='),
  );
  if (authError) return sendError(res, authError, requestId, responseType);

  if (bodyBytes.length === 0) {
    return sendError(res, new DynamoError('com.amazon.coral.service#SerializationException', undefined), requestId, responseType);
  }

  let result: unknown;
  try {
    result = await options.dispatcher.run(operation, input, requestId);
  } catch (e) {
    if (e instanceof DynamoError) return sendError(res, e, requestId, responseType);
    options.log(`request ${requestId} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return sendError(res, errors.internal(), requestId, responseType);
  }
  const body = result instanceof RawJson ? result.toBytes() : Buffer.from(JSON.stringify(result ?? {}), 'utf8');
  send(res, 200, body, responseType, requestId);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendError(res: http.ServerResponse, error: DynamoError, requestId: string, contentType: string): void {
  send(res, error.statusCode, Buffer.from(JSON.stringify(error.toBody()), 'utf8'), contentType, requestId);
}

/** Writes the whole response with one writeHead: fewer header-map operations per request. */
function send(res: http.ServerResponse, status: number, bytes: Buffer, contentType: string, requestId: string): void {
  res.writeHead(status, [
    'x-amzn-RequestId',
    requestId,
    'Content-Type',
    contentType,
    'Content-Length',
    String(bytes.length),
    'x-amz-crc32',
    String(zlib.crc32(bytes)),
  ]);
  res.end(bytes);
}
