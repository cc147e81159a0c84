/**
 * @module auth/sigv4
 * AWS Signature Version 4, verified as DynamoDB verifies it: the
 * Authorization header form and the presigned query-string form, the
 * 15-minute clock-skew window, the credential scope (date, region, service
 * `dynamodb` — the Streams API signs with `dynamodb` too, as the SDK's
 * DynamoDB Streams client does), the payload hash over the body exactly as
 * received (the SDKs sign the bytes they send, so a compressed body is
 * hashed compressed) and session tokens.
 *
 * The order of the checks, and every message, follow DynamoDB as dynalite
 * recorded it (validations in its index.js): parameters present → date
 * format → expiry → Host signed → algorithm → credential shape → scope
 * pieces → access key → signature → security token.
 *
 * Pure: the clock and the identities come in as arguments. Derived signing
 * keys are cached per identity, date and region (see SigningKeyCache), so a
 * verification costs two SHA-256 digests and one HMAC (two more digests,
 * over pads prepared per key: SigningKey). bench/auth-verify.mjs measures it.
 */
import { createHmac, hash } from 'node:crypto';
import { DynamoError, errors } from '../errors/index.js';
import { isValidRegion } from '../catalog/table-scope.js';
import { nativeSigV4, type NativeSigV4 } from './sigv4-native.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SERVICE = 'dynamodb';
/** DynamoDB's clock-skew window, either way. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL may live at most seven days (X-Amz-Expires ≤ 604800), as in every SigV4 service. */
const MAX_PRESIGN_SECONDS = 604800;

/** A request as the verifier needs it; header names in lower case. */
export interface SignedRequest {
  readonly method: string;
  /** The URL's path, as sent (percent-encoded). */
  readonly path: string;
  /** The URL's query string without `?`, as sent; empty if none. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as received, before any Content-Encoding is undone. */
  readonly body: Buffer;
  /**
   * The header values as an HTTP parser that vouches for them leaves them
   * (fast-http's request-head-parser): one byte per character (latin1), no
   * CR or LF, no white space at the start, and at the end only where two
   * lines of one field were joined and the second was empty. Canonicalising
   * them then takes a look for tabs, a run of spaces or a space at a value's
   * end over the whole canonical request, not a test of each value.
   */
  readonly trimmedValues?: boolean;
}

/** The secret side of a credential: what the verifier looks up by access key id. */
export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Epoch milliseconds after which the session token is expired; absent: never. */
  readonly expiresAt?: number;
  /** Derived signing keys of this secret (SigningKeyCache). */
  readonly keys: SigningKeyCache;
}

/** The outcome of a verification: the credential that signed, and the scope's region. */
export interface Verified<C extends Credential> {
  readonly credential: C;
  readonly region: string;
}

/** The signature parameters, from either form. */
interface SignatureParams {
  readonly algorithm: string;
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  /** `20260101T000000Z` */
  readonly amzDate: string;
  readonly securityToken: string | undefined;
  /** Presigned form only: seconds the URL is valid from amzDate. */
  readonly expires: number | undefined;
  readonly presigned: boolean;
  /** Query parameters (presigned form: minus X-Amz-Signature), decoded, in order. */
  readonly query: readonly (readonly [string, string])[];
  /** The Authorization header up to its signature's value, when of the form remembered (AuthorizationHead). */
  readonly prefix?: string;
}

/**
 * Verifies `req` at time `now` (epoch ms). `lookup` finds a credential by
 * access key id. Returns the credential and region, or DynamoDB's error.
 */
export function verifySignature<C extends Credential>(
  req: SignedRequest,
  now: number,
  lookup: (accessKeyId: string) => C | undefined,
): Verified<C> | DynamoError {
  // The usual request: its Authorization header starts as the last one that passed every check of its own.
  const remembered = verifyRemembered(req, now, lookup);
  if (remembered !== undefined) return remembered;

  const params = signatureParams(req);
  if (params instanceof DynamoError) return params;

  const date = signedDate(params.amzDate);
  if (date === undefined) {
    return errors.incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${params.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  // The text as remembered: within a second, the same string object request after request, so comparing it costs nothing.
  const amzDate = date.text;
  const skewError = checkTime(params, date.ms, now);
  if (skewError) return skewError;

  const signed = signedHeaderList(params.signedHeaders);
  if (!signed.hasHost) {
    return errors.invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (params.algorithm !== ALGORITHM) {
    return errors.incompleteSignature(`Unsupported AWS 'algorithm': '${params.algorithm}' (only ${ALGORITHM} for now). `);
  }
  const scope = credentialScope(params.credential);
  if (typeof scope === 'string') return errors.incompleteSignature(scope);
  const day = scope.day;
  let scopeMessage = scope.message;
  if (!dayMatches(date, day)) {
    scopeMessage += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${params.amzDate.slice(0, 8)}', from '${params.amzDate}'.`;
  }
  if (scopeMessage !== '') return errors.invalidSignature(scopeMessage.trimEnd());
  // Every check of the header's own text has passed: a request whose header starts the same needs only its date's.
  if (params.prefix !== undefined) checkedHead = { prefix: params.prefix, signed, scope };

  const credential = lookup(scope.accessKeyId);
  if (credential === undefined) return errors.unrecognizedClient();
  return signedBy(req, credential, amzDate, scope, signed, params.query, params.signature, params.securityToken, now);
}

/** The checks that follow the access key's: the signature, then the session token (as DynamoDB orders them, dynalite's recording). */
function signedBy<C extends Credential>(
  req: SignedRequest,
  credential: C,
  amzDate: string,
  scope: CredentialScope,
  signed: SignedHeaderList,
  query: readonly (readonly [string, string])[],
  signature: string,
  securityToken: string | undefined,
  now: number,
): Verified<C> | DynamoError {
  const key = credential.keys.get(credential.secretAccessKey, scope.day, scope.region);
  key.writeSignature(amzDate, scope.scope, canonicalText(req, query, signed), req.body, expectedSignature);
  if (!signatureMatches(signature, req.trimmedValues === true)) return signatureMismatch();
  if (credential.sessionToken !== securityToken) return invalidToken();
  if (credential.expiresAt !== undefined && now > credential.expiresAt) return errors.expiredToken();
  return { credential, region: scope.region };
}

/**
 * An Authorization header (up to its signature's value, see
 * AuthorizationHead) whose every check of its own — Host signed, the
 * algorithm, the credential's shape and scope — has passed, with what it
 * said. Those checks read nothing but that text, so a header that starts
 * the same passes them again: such a request is checked for its date, its
 * access key, its signature and its token only.
 */
interface CheckedHead {
  readonly prefix: string;
  readonly signed: SignedHeaderList;
  readonly scope: CredentialScope;
}

let checkedHead: CheckedHead | undefined;

/**
 * verifySignature for a request whose Authorization header starts as
 * checkedHead's, with no query string and an X-Amz-Date: the outcome
 * verifySignature's every step would reach, or undefined where a step would
 * fail before the access key's (it then runs in full and says why) or the
 * request is not of that usual form.
 */
function verifyRemembered<C extends Credential>(req: SignedRequest, now: number, lookup: (accessKeyId: string) => C | undefined): Verified<C> | DynamoError | undefined {
  const head = checkedHead;
  if (head === undefined || req.query !== '') return undefined;
  const headers = req.headers;
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const prefix = head.prefix;
  // A slice compared costs a third of startsWith, which V8 runs character by character.
  if (authorization.slice(0, prefix.length) !== prefix) return undefined;
  const rest = authorization.slice(prefix.length);
  if (rest.indexOf(',') !== -1) return undefined;
  const signature = rest.trim();
  const amzDateHeader = headers['x-amz-date'];
  const securityToken = headers['x-amz-security-token'];
  if (signature === '' || typeof amzDateHeader !== 'string' || (securityToken !== undefined && typeof securityToken !== 'string')) return undefined;
  const date = signedDate(amzDateHeader);
  if (date === undefined || date.ms < now - MAX_SKEW_MS || date.ms > now + MAX_SKEW_MS) return undefined;
  const scope = head.scope;
  if (!dayMatches(date, scope.day)) return undefined;
  const credential = lookup(scope.accessKeyId);
  if (credential === undefined) return undefined;
  return signedBy(req, credential, date.text, scope, head.signed, NO_QUERY, signature, securityToken, now);
}

/** Whether a signing date is of the scope's day (`day`: 8 characters), remembered for the date's last scope. */
function dayMatches(date: SignedDate, day: string): boolean {
  if (date.day !== day) {
    date.day = day;
    date.dayMatches = date.text.startsWith(day) && day.length === 8;
  }
  return date.dayMatches;
}

/** The signature mismatch, as DynamoDB words it today (without the canonical request it once echoed). */
export function signatureMismatch(): DynamoError {
  return errors.invalidSignature(
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

/** A session token that is not the identity's (DynamoDB words this one without a final period). */
function invalidToken(): DynamoError {
  return errors.unrecognizedClientToken();
}

/**
 * Room for the signature sent and the one computed, side by side (64 bytes
 * each), read as sixteen 32-bit words each: a word compares four hex
 * digits at once, where a loop over a string's characters costs some 60
 * instructions per character (most of verification's JavaScript).
 */
const SIGNATURES = new ArrayBuffer(128);
const signatureBytes = Buffer.from(SIGNATURES);
const signatureWords = new Uint32Array(SIGNATURES);
/** Where SigningKey.writeSignature writes the signature computed. */
const expectedSignature = signatureBytes.subarray(64);

/**
 * Compares the hex signature sent with the one computed (lower-case hex,
 * in expectedSignature), in time that depends on neither: equal, but for
 * A–F in place of a–f (as a hex decoder reads them); every other character
 * differs, also one that upper-cases to a hex digit or is not ASCII.
 */
function signatureMatches(sent: string, oneByte: boolean): boolean {
  if (sent.length !== 64) return false;
  // A text of one byte per character (an HTTP header, as a parser vouching for it decodes it) is
  // written as it is ('ascii' writes as 'latin1', a third cheaper than UTF-8). Any other as UTF-8, so
  // that a character beyond ASCII writes bytes (0x80 and up) no hex digit matches, where 'latin1'
  // would keep its low byte; and fewer than 64 bytes when one does not fit, refused.
  if (signatureBytes.write(sent, 0, 64, oneByte ? 'ascii' : 'utf8') !== 64) return false;
  let bad = 0;
  for (let i = 0; i < 16; i++) {
    const s = signatureWords[i]!;
    const e = signatureWords[i + 16]!;
    const d = s ^ e;
    // Per byte: equal (d 0), or differing in bit 0x20 only where the digit computed is a letter
    // (bit 0x40 set): a–f sent as A–F. A digit's 0x20 twin is a control character (0x10–0x19).
    bad |= (d & 0xdfdfdfdf) | (d & 0x20202020 & ~((e & 0x40404040) >>> 1));
  }
  return bad === 0;
}

/** A SignedHeaders list, read once per distinct text (a client sends the same few over and over). */
interface SignedHeaderList {
  /** Lower-cased, in the order sent. */
  readonly names: readonly string[];
  /** `names` joined by `;`: the canonical request's signed-headers line. */
  readonly list: string;
  readonly hasHost: boolean;
  /** Per name, what precedes its value in the canonical headers: `name:`, after the previous line's `\n`. */
  readonly pieces: readonly string[];
  /** What follows the last value: the blank line, the signed-headers line and the `\n` before the payload hash. */
  readonly tail: string;
}

const signedHeaderLists = new Map<string, SignedHeaderList>();

/** The last list read: a client sends the same one over and over, and comparing it costs less than hashing it. */
let lastSignedHeaders: { text: string; parsed: SignedHeaderList } = { text: '', parsed: headerList([]) };

/**
 * `name` as V8's one copy of it (the key a property of that name has): a
 * header name read from SignedHeaders is a new string, and each lookup of
 * a request's header by it would otherwise look that copy up first.
 */
function internalized(name: string): string {
  return Object.keys({ [name]: 0 })[0] ?? name;
}

function headerList(names: readonly string[], list = names.join(';')): SignedHeaderList {
  const pieces = names.map((name, i) => `${i === 0 ? '' : '\n'}${name}:`);
  return { names, list, hasHost: names.includes('host'), pieces, tail: `\n\n${list}\n` };
}

function signedHeaderList(text: string): SignedHeaderList {
  if (text === lastSignedHeaders.text) return lastSignedHeaders.parsed;
  let parsed = signedHeaderLists.get(text);
  if (parsed === undefined) {
    parsed = headerList(text.split(';').map((n) => internalized(n.toLowerCase())));
    // Bounded: a client sending ever new lists only empties it.
    if (signedHeaderLists.size >= 256) signedHeaderLists.clear();
    signedHeaderLists.set(text, parsed);
  }
  lastSignedHeaders = { text, parsed };
  return parsed;
}

/** A credential's scope, read: its access key, date and region, and the scope's own complaints (all but the date's). */
interface CredentialScope {
  readonly accessKeyId: string;
  readonly day: string;
  readonly region: string;
  /** `day/region/service/aws4_request`, as signed. */
  readonly scope: string;
  /** InvalidSignatureException's text for a wrong region, service or terminator; empty if none. */
  readonly message: string;
}

const credentialScopes = new Map<string, CredentialScope | string>();

/** The Credential parameter, read once per distinct text; a string is IncompleteSignatureException's message. */
let lastScope: { text: string; parsed: CredentialScope | string } = { text: '', parsed: '' };

function credentialScope(credential: string): CredentialScope | string {
  if (credential === lastScope.text) return lastScope.parsed;
  let parsed = credentialScopes.get(credential);
  if (parsed === undefined) {
    parsed = readCredentialScope(credential);
    if (credentialScopes.size >= 256) credentialScopes.clear();
    credentialScopes.set(credential, parsed);
  }
  lastScope = { text: credential, parsed };
  return parsed;
}

function readCredentialScope(credential: string): CredentialScope | string {
  // Trailing slashes are ignored (dynalite's recording).
  const scope = (credential.endsWith('/') ? credential.replace(/\/+$/, '') : credential).split('/');
  if (scope.length !== 5) {
    return `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`;
  }
  const [accessKeyId, day, region, service, terminator] = scope as [string, string, string, string, string];
  let message = '';
  if (!isValidRegion(region)) message += `Credential should be scoped to a valid region, not '${region}'. `;
  if (service !== SERVICE) message += `Credential should be scoped to correct service: '${SERVICE}'. `;
  if (terminator !== 'aws4_request') message += `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `;
  return { accessKeyId, day, region, scope: `${day}/${region}/${service}/aws4_request`, message };
}

function checkTime(params: SignatureParams, signedAt: number, now: number): DynamoError | undefined {
  if (params.presigned) {
    const expires = params.expires ?? 0;
    if (now > signedAt + expires * 1000) {
      return errors.invalidSignature(
        `Signature expired: ${params.amzDate} is now earlier than ${formatAmzDate(now - expires * 1000)} (${formatAmzDate(now)} - ${expires} sec.)`,
      );
    }
    if (signedAt > now + MAX_SKEW_MS) return notYetCurrent(params.amzDate, now);
    return undefined;
  }
  if (signedAt < now - MAX_SKEW_MS) {
    return errors.invalidSignature(
      `Signature expired: ${params.amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (signedAt > now + MAX_SKEW_MS) return notYetCurrent(params.amzDate, now);
  return undefined;
}

function notYetCurrent(amzDate: string, now: number): DynamoError {
  return errors.invalidSignature(
    `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
  );
}

/**
 * The signature parameters of either form, or DynamoDB's error for a
 * request that has none or lacks some. A request with both forms is
 * judged by its Authorization header.
 */
function signatureParams(req: SignedRequest): SignatureParams | DynamoError {
  const authorization = header(req, 'authorization');
  const query = parseQuery(req.query);
  if (authorization === undefined && query.some(([k]) => k === 'X-Amz-Signature' || k === 'X-Amz-Credential' || k === 'X-Amz-Algorithm')) {
    return presignedParams(query);
  }
  if (authorization === undefined) return errors.missingAuthenticationToken();
  const amzDate = header(req, 'x-amz-date') ?? dateHeaderAsAmzDate(header(req, 'date'));
  const head = lastHead;
  // All but the signature as in the last header read (see AuthorizationHead)? A slice
  // compared costs a third of startsWith, which V8 runs character by character.
  if (head !== undefined && amzDate !== undefined && authorization.slice(0, head.prefix.length) === head.prefix) {
    const rest = authorization.slice(head.prefix.length);
    const signature = rest.indexOf(',') === -1 ? rest.trim() : '';
    if (signature !== '') {
      return {
        algorithm: head.algorithm,
        credential: head.credential,
        signedHeaders: head.signedHeaders,
        signature,
        amzDate,
        securityToken: header(req, 'x-amz-security-token'),
        expires: undefined,
        presigned: false,
        query,
        prefix: head.prefix,
      };
    }
  }
  const trimmed = authorization.trim();
  if (!trimmed.startsWith('AWS4-')) return errors.missingAuthenticationToken();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  // Parameters are separated by commas, optionally with spaces (ScyllaDB's issue 9568: both occur).
  const fields = authorizationFields(space < 0 ? '' : trimmed.slice(space + 1));
  let message = '';
  if (!fields.credential) message += "Authorization header requires 'Credential' parameter. ";
  if (!fields.signature) message += "Authorization header requires 'Signature' parameter. ";
  if (!fields.signedHeaders) message += "Authorization header requires 'SignedHeaders' parameter. ";
  if (amzDate === undefined) message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (message !== '') return errors.incompleteSignature(`${message}Authorization=${authorization}`);
  const prefix = space >= 0 && trimmed.length === authorization.length ? rememberHead(trimmed, space, algorithm, fields) : undefined;
  return {
    algorithm,
    credential: fields.credential!,
    signedHeaders: fields.signedHeaders!,
    signature: fields.signature!,
    amzDate: amzDate!,
    securityToken: header(req, 'x-amz-security-token'),
    expires: undefined,
    presigned: false,
    query,
    prefix,
  };
}

/**
 * An Authorization header up to its signature's value, and what it says:
 * a client sends the same credential and signed headers with every
 * request, so a header that starts as the last one read and has no comma
 * after it holds the same fields and a new signature. The prefix ends
 * with the `=` of the header's last parameter, `Signature`, so the fields
 * authorizationFields would read from the whole header are those of the
 * prefix and the remainder, trimmed, as the signature.
 */
interface AuthorizationHead {
  readonly prefix: string;
  readonly algorithm: string;
  readonly credential: string;
  readonly signedHeaders: string;
}

let lastHead: AuthorizationHead | undefined;

/**
 * Remembers a header read in full (`trimmed`: it, with no white space
 * around it; `space`: the end of its algorithm); its prefix, or undefined
 * if it is not of the form remembered.
 */
function rememberHead(trimmed: string, space: number, algorithm: string, fields: AuthorizationFields): string | undefined {
  const last = Math.max(trimmed.lastIndexOf(','), space) + 1;
  const eq = trimmed.indexOf('=', last);
  if (eq < 0 || trimmed.slice(last, eq).trim() !== 'Signature') return undefined;
  lastHead = { prefix: trimmed.slice(0, eq + 1), algorithm, credential: fields.credential!, signedHeaders: fields.signedHeaders! };
  return lastHead.prefix;
}

interface AuthorizationFields {
  credential: string | undefined;
  signedHeaders: string | undefined;
  signature: string | undefined;
}

/** Credential, SignedHeaders and Signature of an Authorization header (index scans: this runs on every request). */
function authorizationFields(rest: string): AuthorizationFields {
  const fields: AuthorizationFields = { credential: undefined, signedHeaders: undefined, signature: undefined };
  let start = 0;
  while (start < rest.length) {
    let end = rest.indexOf(',', start);
    if (end < 0) end = rest.length;
    const eq = rest.indexOf('=', start);
    if (eq > start && eq < end) {
      const name = rest.slice(start, eq).trim();
      const value = rest.slice(eq + 1, end).trim();
      if (name === 'Credential') fields.credential = value;
      else if (name === 'SignedHeaders') fields.signedHeaders = value;
      else if (name === 'Signature') fields.signature = value;
    }
    start = end + 1;
  }
  return fields;
}

function presignedParams(query: readonly (readonly [string, string])[]): SignatureParams | DynamoError {
  const get = (name: string) => query.find(([k]) => k === name)?.[1];
  let message = '';
  for (const required of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) {
    if (!get(required)) message += `AWS query-string parameters must include '${required}'. `;
  }
  const expiresText = get('X-Amz-Expires');
  const expires = expiresText === undefined ? undefined : Number(expiresText);
  if (expiresText !== undefined && (!/^\d{1,9}$/.test(expiresText) || expires! > MAX_PRESIGN_SECONDS)) {
    message += `X-Amz-Expires must be a whole number of seconds from 0 to ${MAX_PRESIGN_SECONDS}. `;
  } else if (expiresText === undefined) {
    message += "AWS query-string parameters must include 'X-Amz-Expires'. ";
  }
  if (message !== '') return errors.incompleteSignature(`${message}Re-examine the query-string parameters.`);
  return {
    algorithm: get('X-Amz-Algorithm')!,
    credential: get('X-Amz-Credential')!,
    signedHeaders: get('X-Amz-SignedHeaders')!,
    signature: get('X-Amz-Signature')!,
    amzDate: get('X-Amz-Date')!,
    securityToken: get('X-Amz-Security-Token'),
    expires,
    presigned: true,
    query: query.filter(([k]) => k !== 'X-Amz-Signature'),
  };
}

/**
 * The canonical request (SigV4 step 1), for the headers the client listed
 * as signed (lower-cased names; `list`: them joined by `;`).
 */
export function canonicalRequest(
  req: SignedRequest,
  params: Pick<SignatureParams, 'query' | 'presigned'>,
  names: readonly string[],
  list = names.join(';'),
): string {
  // The payload hash is always computed from the body: a client's
  // x-amz-content-sha256 is only a claim, and the signature covers the
  // hash of the bytes received.
  return canonicalText(req, params.query, headerList(names, list)) + hash('sha256', req.body, 'hex');
}

/**
 * The canonical request up to the payload hash (which SigningKey.writeSignature
 * appends), with the signed-header list's pieces prepared (signedHeaderList):
 * two concatenations per header.
 */
function canonicalText(req: SignedRequest, query: readonly (readonly [string, string])[], signed: SignedHeaderList): string {
  const { names, pieces } = signed;
  const headers = req.headers;
  // What precedes the headers: for what every SDK sends (POST /, no query) a constant.
  const head = req.path === '/' && query.length === 0 ? (req.method === 'POST' ? 'POST\n/\n\n' : `${req.method}\n/\n\n`) : `${req.method}\n${canonicalPath(req.path)}\n${canonicalQuery(query)}\n`;
  const tail = signed.tail;
  if (req.trimmedValues === true) {
    let text = head;
    let i = 0;
    for (; i < names.length; i++) {
      const value = headers[names[i]!];
      if (typeof value === 'string') text = text + pieces[i]! + value;
      else if (value === undefined) text = text + pieces[i]!;
      else break;
    }
    text += tail;
    // Each value is followed by a line feed, so a value ending in a space shows as " \n". A space or a
    // tab elsewhere (in a header's name) only costs the request the test of each value below.
    if (i === names.length && text.indexOf('\t') === -1 && (text.indexOf(' ') === -1 || (text.indexOf('  ') === -1 && text.indexOf(' \n') === -1))) return text;
  }
  let text = head;
  for (let i = 0; i < names.length; i++) text = text + pieces[i]! + canonicalHeaderValue(headers[names[i]!]);
  return text + tail;
}

export function buildStringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
}

/** A value that canonicalisation would change: most are sent already canonical. */
const NEEDS_FOLDING = /[\t\r\n]|  |^ | $/;

/** Header values trimmed, runs of spaces folded; repeated headers joined by commas. */
function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  const joined = Array.isArray(value) ? value.join(',') : value;
  if (!NEEDS_FOLDING.test(joined)) return joined;
  return joined.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();
}

/** The path, normalised and URI-encoded once more, as every SDK signs it for services other than S3. */
function canonicalPath(path: string): string {
  if (path === '/' || path === '') return '/';
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEncode(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(query: readonly (readonly [string, string])[]): string {
  if (query.length === 0) return '';
  return query
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .sort((a, b) => {
      const ka = a.slice(0, a.indexOf('='));
      const kb = b.slice(0, b.indexOf('='));
      return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
    })
    .join('&');
}

/** RFC 3986 encoding: everything but unreserved characters. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const NO_QUERY: [string, string][] = [];

function parseQuery(query: string): [string, string][] {
  if (query === '') return NO_QUERY;
  const out: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push([decode(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : decode(part.slice(eq + 1))]);
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `20260101T000000Z` → epoch ms; undefined if not that form. */
export function parseAmzDate(text: string): number | undefined {
  return signedDate(text)?.ms;
}

/** A date read: its text and epoch ms; and whether it is of the last scope day it was checked against (dayMatches). */
interface SignedDate {
  readonly text: string;
  readonly ms: number;
  day: string | undefined;
  dayMatches: boolean;
}

let lastDate: SignedDate = { text: '', ms: 0, day: undefined, dayMatches: false };

/** parseAmzDate's reading, remembered: requests signed in the same second carry the same text. */
function signedDate(text: string): SignedDate | undefined {
  if (text === lastDate.text) return lastDate;
  const ms = readAmzDate(text);
  if (ms === undefined) return undefined;
  lastDate = { text, ms, day: undefined, dayMatches: false };
  return lastDate;
}

function readAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** A Date header (RFC 7231) in X-Amz-Date's form; the text itself if it cannot be read (its format check then fails). */
function dateHeaderAsAmzDate(date: string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? date : formatAmzDate(ms);
}

/**
 * A derived signing key, ready to sign. With the native addon
 * (auth/sigv4-native), writeSignature does a request's four digests in one
 * call, from HMAC states hashed once per key. Without it, HMAC-SHA256 is
 * two one-shot SHA-256 digests over the key's inner and outer pads,
 * prepared once per key: createHmac would import the key and build an Hmac
 * object on every request, which costs twice as much as both digests
 * together.
 */
export class SigningKey {
  /** The key XOR ipad, then room for the message (a string to sign is ~150 bytes). */
  private readonly inner = Buffer.alloc(64 + 512);
  /** The key XOR opad, then the inner digest. */
  private readonly outer = Buffer.alloc(64 + 32);

  constructor(readonly key: Buffer) {
    this.native = nativeSigV4();
    this.nativeState = this.native?.hmacState(key);
    // A SigV4 key is a SHA-256 digest: 32 bytes, shorter than the 64-byte block, so it is padded, never hashed.
    for (let i = 0; i < 64; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /**
   * The string to sign's head (algorithm, date, scope) as last written
   * after the inner pad, so that a request signed in the same second as the
   * last writes only its canonical request's hash; `message`: the pad and
   * the whole string to sign. Undefined while the buffer holds anything else.
   */
  private amzDate: string | undefined;
  private scope = '';
  private message = EMPTY;

  /** HMAC-SHA256 of `text` (ASCII: a string to sign is) in lower-case hex. */
  sign(text: string): string {
    this.amzDate = undefined;
    const length = 64 + text.length;
    // Written as latin1: one byte per character; anything longer or wider than expected takes createHmac.
    if (length > this.inner.length || this.inner.write(text, 64, 'latin1') !== text.length || !ASCII.test(text)) {
      return createHmac('sha256', this.key).update(text).digest('hex');
    }
    return this.finish(this.inner.subarray(0, length));
  }

  /**
   * The signature of a canonical request: HMAC-SHA256 of its string to
   * sign (buildStringToSign), in lower-case hex. The same as
   * `sign(buildStringToSign(amzDate, scope, canonical))` without building
   * that string: its head is written once per second, then each request
   * writes 64 hex digits.
   */
  signCanonical(amzDate: string, scope: string, canonical: string): string {
    if (amzDate !== this.amzDate || scope !== this.scope) {
      const head = `${ALGORITHM}\n${amzDate}\n${scope}\n`;
      if (64 + head.length + 64 > this.inner.length || !ASCII.test(head)) return this.sign(buildStringToSign(amzDate, scope, canonical));
      this.inner.write(head, 64, 'latin1');
      this.message = this.inner.subarray(0, 64 + head.length + 64);
      this.amzDate = amzDate;
      this.scope = scope;
    }
    // 'ascii' writes as 'latin1' does (Node's Buffer docs), past Buffer.write's look-up of other encodings.
    this.inner.write(hash('sha256', canonical, 'hex'), this.message.length - 64, 'ascii');
    return this.finish(this.message);
  }

  /**
   * Writes to `out[0..64)` the signature of a canonical request given up to
   * its payload hash (`canonical`) and the body it covers: the same as
   * `signCanonical(amzDate, scope, canonical + hex SHA-256 of body)`. With
   * the native addon (auth/sigv4-native) one call does the four digests;
   * without it, node:crypto does.
   */
  writeSignature(amzDate: string, scope: string, canonical: string, body: Buffer, out: Buffer): void {
    const native = this.native;
    if (native === undefined) {
      out.write(this.signCanonical(amzDate, scope, canonical + hash('sha256', body, 'hex')), 0, 64, 'latin1');
      return;
    }
    if (amzDate !== this.nativeDate || scope !== this.nativeScope) {
      this.nativeHead = `${ALGORITHM}\n${amzDate}\n${scope}\n`;
      this.nativeDate = amzDate;
      this.nativeScope = scope;
    }
    native.signCanonical(this.nativeState!, this.nativeHead, canonical, body, out);
  }

  /** The addon (auth/sigv4-native) and this key's HMAC states in it; undefined: node:crypto signs. */
  private readonly native: NativeSigV4 | undefined;
  private readonly nativeState: Buffer | undefined;
  /** The string to sign's head for the date and scope last signed with the addon. */
  private nativeDate: string | undefined;
  private nativeScope = '';
  private nativeHead = '';

  /** The outer digest over the inner one of `message` (the inner pad and the text). */
  private finish(message: Buffer): string {
    // 'binary' (latin1) output: the 32 digest bytes as a string, cheaper than a Buffer result here.
    this.outer.write(hash('sha256', message, 'binary'), 64, 'ascii');
    return hash('sha256', this.outer, 'hex');
  }
}

const EMPTY = Buffer.alloc(0);
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Derived signing keys of one secret, per date and region: deriving one
 * costs four HMACs, which a request with a cached key skips. The skew
 * window spans at most two dates, so a few entries serve every request;
 * the map is emptied if odd scopes ever fill it.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, SigningKey>();
  /** The key last asked for: a client signs request after request with one (the strings are the scope cache's, so comparing them is cheap). */
  private last: { day: string; region: string; key: SigningKey } | undefined;

  get(secret: string, day: string, region: string): SigningKey {
    const last = this.last;
    if (last !== undefined && last.day === day && last.region === region) return last.key;
    const key = this.find(secret, day, region);
    this.last = { day, region, key };
    return key;
  }

  private find(secret: string, day: string, region: string): SigningKey {
    const id = `${day}/${region}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      key = new SigningKey(deriveSigningKey(secret, day, region, SERVICE));
      if (this.keys.size >= 64) this.keys.clear();
      this.keys.set(id, key);
    }
    return key;
  }
}

export function deriveSigningKey(secret: string, day: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}
