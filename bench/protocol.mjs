/**
 * @module The DynamoDB wire protocol as the bench needs it: raw, pre-built
 * and SigV4-signed HTTP/1.1 requests for the load generator, and a plain
 * `call()` for table setup.
 *
 * Requests carry a real SigV4 signature (with AWS's documented example key
 * pair) rather than a random one, so a server that verifies signatures pays
 * for that verification exactly as it would for an SDK client. Signing
 * happens when a request is built, never in the measured loop.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

export const ACCESS_KEY = 'AKIDEXAMPLE';
export const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const REGION = 'us-east-1';
const SERVICE = 'dynamodb';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

const sha256hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

let signingKeyCache = { day: '', key: Buffer.alloc(0) };
function signingKey(day) {
  if (signingKeyCache.day !== day) {
    const kDate = hmac(`AWS4${SECRET_KEY}`, day);
    const kRegion = hmac(kDate, REGION);
    const kService = hmac(kRegion, SERVICE);
    signingKeyCache = { day, key: hmac(kService, 'aws4_request') };
  }
  return signingKeyCache.key;
}

/** `20260101T000000Z` for now. */
function amzDate(now = new Date()) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The headers an AWS SDK would send for one call, with a valid SigV4
 * signature over content-type, host, x-amz-date and x-amz-target.
 */
export function signedHeaders(host, target, body, date = amzDate()) {
  const day = date.slice(0, 8);
  const fullTarget = `DynamoDB_20120810.${target}`;
  const canonicalHeaders =
    `content-type:${CONTENT_TYPE}\nhost:${host}\nx-amz-date:${date}\nx-amz-target:${fullTarget}\n`;
  const signed = 'content-type;host;x-amz-date;x-amz-target';
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signed}\n${sha256hex(body)}`;
  const scope = `${day}/${REGION}/${SERVICE}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${sha256hex(canonicalRequest)}`;
  const signature = createHmac('sha256', signingKey(day)).update(stringToSign).digest('hex');
  return {
    'Content-Type': CONTENT_TYPE,
    'X-Amz-Target': fullTarget,
    'X-Amz-Date': date,
    Authorization:
      `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}

/**
 * One complete HTTP/1.1 request (head and body) as bytes, ready to be
 * written to a keep-alive socket as many times as needed.
 */
export function rawRequest(port, target, payload, date) {
  const host = `127.0.0.1:${port}`;
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = signedHeaders(host, target, body, date);
  let head = `POST / HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]);
}

/** A request date for a batch of pre-built requests (one per cell is fresh enough). */
export const requestDate = amzDate;

const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * One call for setup and checks (not for measurement). Resolves to
 * `{ status, body }` where body is the parsed JSON (or the raw text if it
 * is not JSON); rejects only on network errors or the timeout. `fresh`
 * opens a connection of its own instead of reusing a pooled one.
 */
export function call(port, target, payload, { timeoutMs = 10_000, fresh = false } = {}) {
  const body = JSON.stringify(payload ?? {});
  const headers = signedHeaders(`127.0.0.1:${port}`, target, body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        // fresh: a new connection, closed after the answer (to reach every worker of a multi-process server).
        agent: fresh ? false : setupAgent,
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (an HTML error page, say): keep the text for the report.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${target} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Like `call`, but a non-200 answer becomes an Error carrying the DynamoDB `__type` and message. */
export async function callOk(port, target, payload, opts) {
  const res = await call(port, target, payload, opts);
  if (res.status !== 200) throw new Error(`${target}: HTTP ${res.status} ${describeError(res.body)}`);
  return res.body;
}

export function describeError(body) {
  if (body && typeof body === 'object') {
    const type = String(body.__type ?? '').split('#').pop();
    const msg = body.message ?? body.Message ?? '';
    return `${type}${msg ? `: ${msg}` : ''}`.slice(0, 300);
  }
  return String(body).replace(/\s+/g, ' ').slice(0, 300);
}

/** Lets the process exit promptly once setup is over. */
export function closeSetupAgent() {
  setupAgent.destroy();
}
