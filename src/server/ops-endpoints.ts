/**
 * @module server/ops-endpoints
 * The operator's endpoints beside DynamoDB's API, all GET:
 * - `/metrics`: Prometheus text format (docs/metrics.md);
 * - `/health`: liveness, 200 while the process runs;
 * - `/health/ready`: readiness, 200 when storage answers a read within
 *   READY_TIMEOUT_MS, else 503;
 * - `/console/…`: the web console's files (console/serve-console).
 * `GET /` keeps DynamoDB's own health line (server/dynamo-protocol).
 */
import { CONTENT_TYPE } from '../metrics/registry.js';
import type { ProtocolResponse, RequestHeaders } from './dynamo-protocol.js';
import { answerConsole, type ConsoleSettings } from '../console/serve-console.js';

/** How long readiness waits for storage before it says no. */
export const READY_TIMEOUT_MS = 1000;

export interface OpsEndpoints {
  /** The metrics in text format. */
  metrics(): Promise<string>;
  /** One cheap storage read; rejects (or never settles) when storage does not answer. */
  probeStorage(): Promise<unknown>;
  /** Seconds since start, for the health answers. */
  uptimeSeconds(): number;
  /** What the web console's page needs to know of this server; absent: no console. */
  readonly console?: ConsoleSettings;
  /**
   * Whether a client at this address may read /metrics; absent: everyone.
   * With `--auth`, only this machine may, unless `--public-metrics`: the
   * series name every table and index, which the identities' policies may
   * hide from a caller.
   */
  metricsVisibleTo?(remoteAddress: string | undefined): boolean;
}

const JSON_TYPE = 'application/json';

/** The answer to a GET of an operator's path, or undefined for any other path. */
export function answerOpsEndpoint(url: string, ops: OpsEndpoints, remoteAddress?: string, headers?: RequestHeaders): Promise<ProtocolResponse> | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (ops.console !== undefined && path.startsWith('/console')) {
    const answer = answerConsole(path, ops.console, firstValue(headers?.['accept-encoding']), firstValue(headers?.['if-none-match']));
    if (answer !== undefined) return Promise.resolve({ ...answer, headers: ['Server', 'Server', ...answer.headers] });
  }
  switch (path) {
    case '/metrics':
      if (ops.metricsVisibleTo !== undefined && !ops.metricsVisibleTo(remoteAddress)) {
        return Promise.resolve(json(403, { message: 'With --auth, /metrics answers clients on this machine only (serve --public-metrics opens it to all).' }));
      }
      return ops.metrics().then((text) => respond(200, CONTENT_TYPE, Buffer.from(text, 'utf8')));
    case '/health':
      return Promise.resolve(json(200, { status: 'ok', uptimeSeconds: ops.uptimeSeconds() }));
    case '/health/ready':
      return ready(ops);
    default:
      return undefined;
  }
}

async function ready(ops: OpsEndpoints): Promise<ProtocolResponse> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`storage did not answer within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
  });
  const probe = ops.probeStorage().then(
    () => undefined,
    (e: unknown) => `storage read failed: ${e instanceof Error ? e.message : String(e)}`,
  );
  const problem = await Promise.race([probe, timeout]);
  clearTimeout(timer);
  const ms = Math.round((performance.now() - started) * 1000) / 1000;
  if (problem !== undefined) return json(503, { status: 'unavailable', storage: { ok: false, error: problem, ms } });
  return json(200, { status: 'ready', storage: { ok: true, ms } });
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function json(status: number, body: unknown): ProtocolResponse {
  return respond(status, JSON_TYPE, Buffer.from(JSON.stringify(body), 'utf8'));
}

function respond(status: number, contentType: string, body: Buffer): ProtocolResponse {
  return {
    status,
    headers: ['Server', 'Server', 'Content-Type', contentType, 'Cache-Control', 'no-store', 'Content-Length', String(body.length)],
    body,
  };
}
