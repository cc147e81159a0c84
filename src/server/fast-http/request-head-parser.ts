/**
 * @module server/fast-http/request-head-parser
 * Parses an HTTP/1.1 request head (request line and header fields, RFC 9112
 * §3 and §5) from bytes, and decides the body's framing (§6.3). Pure: bytes
 * in, a head or a status to refuse with out. Strict where leniency invites
 * request smuggling — both Content-Length and Transfer-Encoding, differing
 * Content-Lengths, a Transfer-Encoding other than chunked, obsolete line
 * folding, whitespace before the colon — as node:http's llhttp is.
 */

/**
 * The largest request head accepted: node:http's default
 * --max-http-header-size, and DynamoDB's limit on the request line and on
 * the header block (ScyllaDB's test/alternator/test_manual_requests.py).
 */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface RequestHead {
  readonly method: string;
  readonly url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: number;
  /** Lower-case names; repeated fields merged as node:http merges them. */
  readonly headers: Record<string, string>;
  /** How the body is framed: a byte count (0: none) or chunked. */
  readonly body: { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };
  /** Whether the connection stays open after this request's response. */
  readonly keepAlive: boolean;
  /** `Expect: 100-continue` was sent (HTTP/1.1 only). */
  readonly expectContinue: boolean;
  /** An Expect other than 100-continue: answer 417. */
  readonly unknownExpectation: boolean;
}

/** A head that cannot be served: answer `status` and close the connection. */
export interface HeadError {
  readonly error: string;
  readonly status: 400 | 501 | 505;
}

/**
 * Fields node:http keeps only the first of when repeated (its
 * `IncomingMessage` "drop duplicates" list), so `headers` reads the same in
 * both front ends.
 */
const FIRST_WINS = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

/** RFC 9110 §5.6.2 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request target: visible ASCII and above (obs-text), no spaces or controls. */
const BAD_TARGET = /[\x00-\x20\x7f]/;
const DIGITS = /^[0-9]+$/;

/**
 * Parses `text` — the head without its final blank line, decoded as latin1
 * (one char per byte, as node:http decodes headers) — into a RequestHead.
 */
export function parseRequestHead(text: string, maxBodyLength: number): RequestHead | HeadError | 'too-large' {
  const length = text.length;
  let firstEnd = text.indexOf('\r\n');
  if (firstEnd === -1) firstEnd = length;
  const requestLine = text.slice(0, firstEnd);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || requestLine.indexOf(' ', sp2 + 1) !== -1) return bad('malformed request line');
  const method = requestLine.slice(0, sp1);
  const url = requestLine.slice(sp1 + 1, sp2);
  const version = requestLine.slice(sp2 + 1);
  // (The usual method and target need no pattern: each test costs a few hundred instructions.)
  if (method !== 'POST' && !TOKEN.test(method)) return bad('malformed method');
  if (url !== '/' && BAD_TARGET.test(url)) return bad('malformed request target');
  let minorVersion: number;
  if (version === 'HTTP/1.1') minorVersion = 1;
  else if (version === 'HTTP/1.0') minorVersion = 0;
  else if (/^HTTP\/[0-9]\.[0-9]$/.test(version)) return { error: `unsupported version ${version}`, status: 505 };
  else return bad('malformed HTTP version');

  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  // Line by line without splitting: every request pays for this loop.
  let more = firstEnd < length;
  let pos = firstEnd + 2;
  while (more) {
    // A CR not before LF is a control character in a value, refused below.
    let end = text.indexOf('\r', pos);
    if (end !== -1 && text.charCodeAt(end + 1) !== 0x0a) end = text.indexOf('\r\n', end + 1);
    if (end === -1) end = length;
    const colon = text.indexOf(':', pos);
    // No colon, a leading space (obs-fold) or a space before the colon: all refused (RFC 9112 §5.1, §5.2).
    if (colon <= pos || colon > end) return bad('malformed header line');
    const name = headerName(text.slice(pos, colon));
    if (name === undefined) return bad('malformed header name');
    // The value without optional whitespace (SP, HTAB) around it: `trim()` would also strip latin1 NBSP.
    let start = colon + 1;
    let stop = end;
    while (start < stop && isOws(text.charCodeAt(start))) start++;
    while (stop > start && isOws(text.charCodeAt(stop - 1))) stop--;
    // Control characters other than HTAB may not appear in a field value (RFC 9110 §5.5).
    for (let i = start; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 ? c !== 0x09 : c === 0x7f) return bad('invalid character in header value');
    }
    const value = text.slice(start, stop);
    more = end < length;
    pos = end + 2;
    if (name === 'content-length') {
      // Differing lengths leave the body's end ambiguous (RFC 9112 §6.3 item 5).
      if (contentLength !== undefined && contentLength !== value) return bad('conflicting Content-Length');
      contentLength = value;
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    }
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    // Two Host lines name two targets (RFC 9112 §3.2: answer 400).
    else if (name === 'host') return bad('repeated Host');
    else if (FIRST_WINS.has(name)) continue;
    // DynamoDB heeds only the last Accept-Encoding line (server/content-coding).
    else if (name === 'accept-encoding') headers[name] = value;
    else headers[name] = name === 'cookie' ? `${previous}; ${value}` : `${previous}, ${value}`;
  }

  let body: RequestHead['body'];
  if (transferEncoding !== undefined) {
    // Both framings at once is the classic smuggling vector: refuse (RFC 9112 §6.1).
    if (contentLength !== undefined) return bad('both Content-Length and Transfer-Encoding');
    if (transferEncoding.toLowerCase() !== 'chunked') {
      return { error: `unsupported Transfer-Encoding ${transferEncoding}`, status: minorVersion === 0 ? 400 : 501 };
    }
    body = { kind: 'chunked' };
  } else if (contentLength !== undefined) {
    if (!DIGITS.test(contentLength)) return bad('malformed Content-Length');
    const length = Number(contentLength);
    if (length > maxBodyLength) return 'too-large';
    body = { kind: 'length', length };
  } else {
    body = { kind: 'length', length: 0 };
  }

  // An HTTP/1.1 request names its target host (RFC 9112 §3.2); node:http
  // and DynamoDB's front end answer one without it with 400 too.
  if (minorVersion === 1 && headers.host === undefined) return bad('missing Host');

  const connection = headers.connection?.toLowerCase();
  const keepAlive =
    minorVersion === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive') && !hasToken(connection, 'close');
  const expect = headers.expect;
  const expectContinue = minorVersion === 1 && expect !== undefined && expect.toLowerCase() === '100-continue';
  return {
    method,
    url,
    minorVersion,
    headers,
    body,
    keepAlive,
    expectContinue,
    unknownExpectation: expect !== undefined && minorVersion === 1 && !expectContinue,
  };
}

export function isHeadError(x: RequestHead | HeadError | 'too-large'): x is HeadError {
  return typeof x === 'object' && 'error' in x;
}

function bad(error: string): HeadError {
  return { error, status: 400 };
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Field names as sent, mapped to their lower-case form: a client sends the
 * same few names on every request, so a name seen before costs one Map
 * lookup instead of a token check, a lower-casing and, where the name
 * becomes a property key, an interning (each about as costly). Bounded, so
 * a client inventing names cannot grow it without limit.
 */
const NAMES = new Map<string, string>();
const MAX_NAMES = 512;

/** The lower-case form of a field name, or undefined if it is not a token. */
function headerName(raw: string): string | undefined {
  const known = NAMES.get(raw);
  if (known !== undefined) return known;
  if (!TOKEN.test(raw)) return undefined;
  const name = raw.toLowerCase();
  if (NAMES.size >= MAX_NAMES) NAMES.clear();
  NAMES.set(raw, name);
  return name;
}

/** Whether a comma-separated, lower-cased list such as Connection holds `token`. */
function hasToken(list: string | undefined, token: string): boolean {
  if (list === undefined) return false;
  if (list === token) return true;
  for (const part of list.split(',')) if (part.trim() === token) return true;
  return false;
}
