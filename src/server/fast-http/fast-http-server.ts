/**
 * @module server/fast-http/fast-http-server
 * The node:net front end (`openddb serve --http fast`): the same protocol as
 * server/http-server (both call server/dynamo-protocol), without node:http's
 * per-request IncomingMessage/ServerResponse objects, header validation and
 * stream plumbing, which cost about as much CPU as a GetItem itself. It
 * parses HTTP/1.1 by hand (fast-http/request-head-parser, chunked-decoder)
 * and writes each response with one socket.write (fast-http/response-encoder).
 *
 * Timeouts follow node:http's defaults as http-server sets them: 65 s idle
 * keep-alive, 60 s for a request head, 300 s for a whole request. One timer
 * per server sweeps every connection instead of a timer per request.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { HttpServerOptions, RunningHttpServer } from '../http-server.js';
import { Connection } from './connection.js';
import { HttpDate } from './response-encoder.js';

export interface FastHttpServerOptions extends HttpServerOptions {
  /** Default 65000, as http-server's keepAliveTimeout. */
  readonly keepAliveTimeoutMs?: number;
  /** Default 60000, as http-server's headersTimeout. */
  readonly headersTimeoutMs?: number;
  /** Default 300000, as http-server's requestTimeout. */
  readonly requestTimeoutMs?: number;
}

/** How long close() waits for connections with requests in flight before destroying them. */
const CLOSE_GRACE_MS = 10_000;

export async function startFastHttpServer(options: FastHttpServerOptions): Promise<RunningHttpServer> {
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 65_000;
  const headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  // Sweep often enough that the shortest timeout is enforced within a quarter of itself.
  const sweepMs = Math.max(20, Math.min(1_000, Math.floor(Math.min(keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs) / 4)));

  let now = Date.now();
  const connections = new Set<Connection>();
  let onAllClosed: (() => void) | undefined;
  const config = {
    // The parser (request-head-parser) trims each header value and refuses control characters but HTAB.
    protocol: { ...options, trimmedHeaderValues: true },
    date: new HttpDate(),
    now: () => now,
    keepAliveTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    onClose: (c: Connection) => {
      connections.delete(c);
      if (connections.size === 0) onAllClosed?.();
    },
  };

  // allowHalfOpen: a client that sends its request and then shuts down its
  // side still gets the answer (as node:http does).
  const onSocket = (socket: net.Socket) => {
    connections.add(new Connection(socket, config));
  };
  // Over TLS the connection starts once the handshake is done ('secureConnection').
  const server =
    options.tls === undefined
      ? net.createServer({ allowHalfOpen: true, noDelay: true }, onSocket)
      : tls.createServer({ allowHalfOpen: true, noDelay: true, cert: options.tls.cert, key: options.tls.key }, onSocket);
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;

  const sweep = setInterval(() => {
    now = Date.now();
    for (const c of connections) c.sweep(now);
  }, sweepMs);
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        server.on('error', (e) => options.log(`fast-http server error: ${e.message}`));
        resolve();
      });
    });
  } catch (e) {
    clearInterval(sweep);
    throw e;
  }
  const address = server.address() as net.AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${hostForUrl}:${address.port}`,
    port: address.port,
    connections: () => connections.size,
    close: () =>
      (closing ??= (async () => {
        const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        if (connections.size > 0) {
          const drained = new Promise<void>((resolve) => (onAllClosed = resolve));
          for (const c of [...connections]) c.shutdown();
          // Requests in flight finish, but a client that never reads cannot hold shutdown forever.
          const grace = setTimeout(() => {
            for (const c of connections) c.destroy();
          }, CLOSE_GRACE_MS);
          grace.unref();
          if (connections.size > 0) await drained;
          clearTimeout(grace);
        }
        await listenerClosed;
        clearInterval(sweep);
      })()),
  };
}
