/**
 * @module server/auth-header
 * The checks DynamoDB makes of a request's Authorization header before it
 * verifies a signature: present, AWS4-style, with Credential, Signature and
 * SignedHeaders, and a date. Signature verification is a later issue.
 * Also the region the credential scope names (credentialRegion).
 */
import { errors } from '../errors/index.js';
import type { DynamoError } from '../errors/index.js';

export function checkAuthorization(
  authorization: string | undefined,
  amzDate: string | undefined,
  dateHeader: string | undefined,
  queryHasSignature: boolean,
): DynamoError | undefined {
  if (queryHasSignature) return undefined;
  if (authorization === undefined || !authorization.trim().startsWith('AWS4-')) {
    return errors.missingAuthenticationToken();
  }
  // Every SDK sends a well-formed header; accept that without building a map.
  if ((amzDate || dateHeader) && hasValue(authorization, 'Credential=') && hasValue(authorization, 'Signature=') && hasValue(authorization, 'SignedHeaders=')) {
    return undefined;
  }
  const params = new Map<string, string>();
  const afterAlgorithm = authorization.trim().split(' ').slice(1).join('');
  for (const part of afterAlgorithm.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  let message = '';
  for (const required of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(required)) message += `Authorization header requires '${required}' parameter. `;
  }
  if (!amzDate && !dateHeader) {
    message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (message !== '') return errors.incompleteSignature(`${message}Authorization=${authorization}`);
  return undefined;
}

/** True if `name` (e.g. "Credential=") appears as a parameter with a non-empty value. */
function hasValue(header: string, name: string): boolean {
  const at = header.indexOf(name);
  if (at < 0) return false;
  const before = header.charCodeAt(at - 1);
  // a parameter starts after the algorithm's space or a comma (and optional spaces)
  if (before !== 0x20 && before !== 0x2c) return false;
  const next = header.charCodeAt(at + name.length);
  return next === next && next !== 0x2c && next !== 0x20;
}

/**
 * The region of a request's SigV4 credential scope
 * (`Credential=<key>/<date>/<region>/<service>/aws4_request`, in the
 * Authorization header or a presigned URL's X-Amz-Credential), as sent:
 * tables live there (catalog/table-scope; api/dispatcher refuses a region
 * no ARN could name). Undefined when the request carries no complete scope;
 * then the server's default region applies.
 */
export function credentialRegion(authorization: string | undefined, url: string): string | undefined {
  if (authorization !== undefined) {
    // Parsed each time: a few indexOf calls cost less than comparing the
    // text with the last request's (startsWith on a sliced string walks it
    // character by character, ~3x slower here).
    const at = authorization.indexOf('Credential=');
    if (at < 0) return undefined;
    const end = authorization.indexOf(',', at);
    return scopeRegion(authorization, at + 'Credential='.length, end);
  }
  if (!url.includes('X-Amz-Credential=')) return undefined;
  const query = url.indexOf('?');
  const credential = new URLSearchParams(query < 0 ? '' : url.slice(query + 1)).get('X-Amz-Credential');
  return credential === null ? undefined : scopeRegion(credential, 0, -1);
}

/**
 * The region of the credential `<key>/<date>/<region>/<service>/aws4_request`
 * in text[start, end) (end -1: to the end): exactly four slashes, else none.
 */
function scopeRegion(text: string, start: number, end: number): string | undefined {
  const stop = end < 0 ? text.length : end;
  const s1 = text.indexOf('/', start);
  const s2 = s1 < 0 ? -1 : text.indexOf('/', s1 + 1);
  const s3 = s2 < 0 ? -1 : text.indexOf('/', s2 + 1);
  const s4 = s3 < 0 ? -1 : text.indexOf('/', s3 + 1);
  if (s4 < 0 || s4 >= stop) return undefined;
  const s5 = text.indexOf('/', s4 + 1);
  if (s5 >= 0 && s5 < stop) return undefined;
  return text.slice(s2 + 1, s3);
}
