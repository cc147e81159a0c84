/**
 * @module tools/client
 * A small DynamoDB API client for the command-line tools: AWS JSON 1.0
 * over fetch, signed with SigV4 (the pure pieces of auth/sigv4, the same
 * ones the server verifies with), retried with exponential backoff and full
 * jitter on throttling, 5xx answers and dropped connections. It is not the
 * AWS SDK on purpose: that is a large devDependency, and the bundle that
 * carries the server must stay small.
 *
 * Credentials and region come from the usual environment variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION
 * or AWS_DEFAULT_REGION); a loopback endpoint needs none (any credentials
 * do there, as without --auth). The region of an
 * `https://dynamodb.<region>.amazonaws.com` endpoint is read from its name.
 * Shared config files and profiles are not read (TODO(#15)).
 */
import { createHmac } from 'node:crypto';
import { buildStringToSign, canonicalRequest, deriveSigningKey, formatAmzDate } from '../auth/sigv4.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8000';

export interface ClientOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  /** Attempts per call, the first included (default 10). */
  readonly maxAttempts?: number;
  /** First backoff ceiling in ms (default 50); doubles per retry up to 5 s. */
  readonly baseDelayMs?: number;
}

/** An error answer of the API: DynamoDB's `__type` (without its namespace), message and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
    readonly operation: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Error types DynamoDB says to retry with backoff. */
const RETRYABLE_TYPES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
]);

export function isRetryable(e: unknown): boolean {
  if (e instanceof ApiError) return e.status >= 500 || RETRYABLE_TYPES.has(e.type);
  // fetch's TypeError: connection refused or reset, socket closed.
  return e instanceof TypeError;
}

/** Is `endpoint` on this machine (no real credentials needed)? */
export function isLoopback(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

/** Client options for `endpoint` from the environment; throws a message for the user if something is missing. */
export function clientOptionsFromEnv(endpoint: string, region?: string, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  try {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new Error(`--endpoint must be an http:// or https:// URL, not '${endpoint}'`);
  }
  const local = isLoopback(endpoint);
  const fromName = /^dynamodb\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(endpoint).hostname)?.[1];
  const chosenRegion = region ?? fromName ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined);
  if (chosenRegion === undefined) throw new Error('no region: set AWS_REGION or pass --region');
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? (local ? 'local' : undefined);
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? (local ? 'local' : undefined);
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(`no credentials for ${endpoint}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  return { endpoint, region: chosenRegion, accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN };
}

/** The SigV4 headers for a DynamoDB JSON request (pure: the clock is an argument). */
export function signedHeaders(options: ClientOptions, target: string, body: string, now: number): Record<string, string> {
  const url = new URL(options.endpoint);
  const amzDate = formatAmzDate(now);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  if (options.sessionToken !== undefined && options.sessionToken !== '') headers['x-amz-security-token'] = options.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = canonicalRequest(
    { method: 'POST', path: url.pathname || '/', query: '', headers, body: Buffer.from(body, 'utf8') },
    { query: [], presigned: false },
    names,
  );
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${options.region}/dynamodb/aws4_request`;
  const key = deriveSigningKey(options.secretAccessKey, day, options.region, 'dynamodb');
  const signature = createHmac('sha256', key).update(buildStringToSign(amzDate, scope, canonical)).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

export type Json = Record<string, unknown>;

export class DynamoClient {
  readonly endpoint: string;
  readonly region: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  /** Retries made so far (for progress reports). */
  retries = 0;

  constructor(private readonly options: ClientOptions) {
    this.endpoint = options.endpoint;
    this.region = options.region;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 50;
  }

  /** Calls `operation` once (no retries); an error answer throws ApiError. */
  async callOnce<T = Json>(operation: string, input: object): Promise<T> {
    const body = JSON.stringify(input);
    const headers = signedHeaders(this.options, `DynamoDB_20120810.${operation}`, body, Date.now());
    delete headers.host;
    const response = await fetch(this.options.endpoint, { method: 'POST', headers, body });
    const text = await response.text();
    let parsed: Json;
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Json);
    } catch {
      throw new ApiError(response.status >= 500 ? 'InternalServerError' : 'SerializationException', `unreadable answer (HTTP ${response.status}): ${text.slice(0, 200)}`, response.status, operation);
    }
    if (!response.ok) {
      const rawType = String(parsed.__type ?? `HTTP${response.status}`);
      const type = rawType.slice(rawType.lastIndexOf('#') + 1);
      const message = String(parsed.message ?? parsed.Message ?? '');
      throw new ApiError(type, message, response.status, operation);
    }
    return parsed as T;
  }

  /** Calls `operation`, retrying throttling, 5xx and connection failures with exponential backoff. */
  async call<T = Json>(operation: string, input: object): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.callOnce<T>(operation, input);
      } catch (e) {
        if (!isRetryable(e) || attempt >= this.maxAttempts) throw e;
        this.retries++;
        await sleep(backoffMs(attempt, this.baseDelayMs));
      }
    }
  }
}

/** Full-jitter exponential backoff: uniform in [0, min(5 s, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(5000, baseMs * 2 ** (attempt - 1)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `ApiError` as a line for the user: `Operation: Type: message`. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return `${e.operation}: ${e.type}: ${e.message}`;
  if (e instanceof TypeError && e.cause instanceof Error) return `${e.message}: ${e.cause.message}`;
  return e instanceof Error ? e.message : String(e);
}
