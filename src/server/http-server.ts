/**
 * @module server/http-server
 * The node:http front end (the default): reads the body (bounded) and hands
 * the whole request to server/dynamo-protocol, which checks the
 * protocol-level headers in DynamoDB's order, dispatches to an operation and
 * shapes the response. The node:net front end in fast-http/ serves the same
 * protocol function.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from '../api/dispatcher.js';
import { handleRequest, internalErrorResponse, MAX_REQUEST_BYTES, tooLargeResponse, type ProtocolResponse } from './dynamo-protocol.js';

export { MAX_REQUEST_BYTES } from './dynamo-protocol.js';

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
      if (!res.headersSent) write(res, internalErrorResponse());
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
    write(res, tooLargeResponse());
    req.destroy();
    return;
  }
  write(res, await handleRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: raw }, options));
}

function write(res: http.ServerResponse, out: ProtocolResponse): void {
  // One writeHead with the whole header list: fewer header-map operations per request.
  res.writeHead(out.status, out.headers as string[]);
  res.end(out.body);
}
