/**
 * @module server/http-server
 * The node:http front end (`--http node`): reads the body (bounded) and hands
 * the whole request to server/dynamo-protocol, which checks the
 * protocol-level headers in DynamoDB's order, dispatches to an operation and
 * shapes the response. The node:net front end in fast-http/ serves the same
 * protocol function.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { badRequestResponse, handleRequest, internalErrorResponse, MAX_REQUEST_BYTES, tooLargeResponse, type ProtocolContext, type ProtocolResponse } from './dynamo-protocol.js';
import { encodeResponse, HttpDate } from './fast-http/response-encoder.js';

export { MAX_REQUEST_BYTES } from './dynamo-protocol.js';

/** The protocol's context (dispatcher, log, and the optional observer and operator endpoints) plus where to listen. */
export interface HttpServerOptions extends ProtocolContext {
  readonly host: string;
  readonly port: number;
  /** Serve HTTPS with this PEM certificate chain and key (`--tls-cert`, `--tls-key`). */
  readonly tls?: TlsFiles;
  /** Open connections beyond this are closed as they arrive (net.Server.maxConnections). */
  readonly maxConnections?: number;
}

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** Connections open now (the metrics' open-connections gauge). */
  connections(): number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  // requireHostHeader: false — handle() checks Host itself, so that the
  // refusal is the same bytes the node:net front end sends.
  const serverOptions = { keepAliveTimeout: 65_000, requireHostHeader: false };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res, options).catch((e: unknown) => {
      options.log(`unhandled error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) write(res, internalErrorResponse());
      else res.destroy();
    });
  };
  const server = options.tls === undefined ? http.createServer(serverOptions, onRequest) : https.createServer({ ...serverOptions, ...options.tls }, onRequest);
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  // A head node:http cannot parse. Its default answer to an oversized one
  // is 431; DynamoDB's front end, and the node:net front end, answer 400.
  const date = new HttpDate();
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // As node:http's own handler: answer only if no response in flight has
    // begun on this socket, so as not to cut into one.
    const inFlight = (socket as { _httpMessage?: { _headerSent?: boolean } | null })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?._headerSent === true) {
      socket.destroy();
      return;
    }
    const refusal = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? { ...badRequestResponse(), status: 408 } : badRequestResponse();
    socket.end(encodeResponse(refusal.status, refusal.headers, refusal.body, { keepAlive: false, keepAliveSeconds: 0, omitBody: false, date: date.now() }));
  });
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
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
    url: `${options.tls === undefined ? 'http' : 'https'}://${hostForUrl}:${address.port}`,
    port: address.port,
    connections: () => open,
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
  if (!hostIsValid(req)) {
    write(res, badRequestResponse());
    req.destroy();
    return;
  }
  const raw = await readBody(req);
  if (raw === 'too-large') {
    write(res, tooLargeResponse());
    req.destroy();
    return;
  }
  write(
    res,
    await handleRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body: raw, remoteAddress: req.socket.remoteAddress, secure: options.tls !== undefined }, options),
  );
}

/**
 * RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host line (it may
 * be empty); an HTTP/1.0 one at most one. node:http keeps only the first of
 * repeated Host lines, so count them in the raw header list.
 */
function hostIsValid(req: http.IncomingMessage): boolean {
  if (req.headers.host === undefined) return req.httpVersionMinor === 0;
  const raw = req.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host' && ++seen > 1) return false;
  }
  return true;
}

function write(res: http.ServerResponse, out: ProtocolResponse): void {
  if (out.drop === true) {
    res.socket?.destroy();
    return;
  }
  // One writeHead with the whole header list: fewer header-map operations per request.
  res.writeHead(out.status, out.headers as string[]);
  res.end(out.body);
}
