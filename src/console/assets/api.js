/**
 * @module console/api
 * The console's only way to the data: DynamoDB's JSON API on this same
 * server (POST / with X-Amz-Target), every request SigV4-signed. With
 * --auth the user's access key signs (kept in sessionStorage, so it
 * leaves with the tab); without it, a fixed placeholder key does, as the
 * server accepts any signature then.
 */
import { signRequest } from './sigv4.js';

const CREDENTIALS_KEY = 'openddb.console.credentials';
const REGION_KEY = 'openddb.console.region';

/** The server's settings, from index.html's meta tag. */
export const settings = (() => {
  const meta = document.querySelector('meta[name="openddb-settings"]');
  try {
    return { region: 'us-east-1', auth: false, ...JSON.parse(meta?.getAttribute('content') ?? '{}') };
  } catch {
    return { region: 'us-east-1', auth: false };
  }
})();

const ANONYMOUS = Object.freeze({ accessKeyId: 'openddb-console', secretAccessKey: 'openddb-console' });

export function credentials() {
  if (!settings.auth) return ANONYMOUS;
  try {
    const saved = JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) ?? 'null');
    return saved?.accessKeyId && saved?.secretAccessKey ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(c) {
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(c));
}

export function forgetCredentials() {
  sessionStorage.removeItem(CREDENTIALS_KEY);
}

/** The region the console signs for: tables live in the region of the signature. */
export function region() {
  return localStorage.getItem(REGION_KEY) || settings.region;
}

export function setRegion(r) {
  if (r && r !== settings.region) localStorage.setItem(REGION_KEY, r);
  else localStorage.removeItem(REGION_KEY);
}

/** An error answer of the API: DynamoDB's __type (without its namespace), message and HTTP status. */
export class ApiError extends Error {
  constructor(type, message, status, operation) {
    super(message || type);
    this.type = type;
    this.status = status;
    this.operation = operation;
  }
}

/** Errors that mean "these credentials will not do": the console asks again. */
export const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'ExpiredTokenException',
]);

let onCredentialError = () => {};
export function whenCredentialsFail(fn) {
  onCredentialError = fn;
}

/**
 * Calls one operation and returns its answer, or throws ApiError.
 * `streams`: the DynamoDB Streams API (same endpoint, its own target prefix).
 * `promptSignIn`: false keeps a refused key from reopening the sign-in form (the form's own check).
 */
export async function call(operation, input = {}, { streams = false, promptSignIn = true } = {}) {
  const creds = credentials();
  if (creds === undefined) {
    onCredentialError();
    throw new ApiError('MissingAuthenticationTokenException', 'Sign in to use the console.', 400, operation);
  }
  const body = JSON.stringify(input);
  const headers = await signRequest({
    method: 'POST',
    path: '/',
    headers: {
      host: location.host,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${streams ? 'DynamoDBStreams_20120810' : 'DynamoDB_20120810'}.${operation}`,
    },
    body,
    region: region(),
    credentials: creds,
  });
  let res;
  try {
    res = await fetch('/', { method: 'POST', headers, body, cache: 'no-store' });
  } catch (e) {
    throw new ApiError('NetworkError', `The server did not answer: ${e.message}`, 0, operation);
  }
  const text = await res.text();
  let json = {};
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = { message: text };
  }
  if (!res.ok) {
    const type = String(json.__type ?? res.headers.get('x-amzn-ErrorType') ?? `HTTP ${res.status}`).split('#').pop();
    const err = new ApiError(type, json.message ?? json.Message ?? '', res.status, operation);
    if (settings.auth && promptSignIn && CREDENTIAL_ERRORS.has(type)) onCredentialError(err);
    throw err;
  }
  return json;
}

/** Every page of a paged list operation, concatenated. */
export async function listAll(operation, input, itemsKey, tokenIn, tokenOut, options) {
  const out = [];
  let token;
  do {
    const page = await call(operation, token === undefined ? input : { ...input, [tokenIn]: token }, options);
    out.push(...(page[itemsKey] ?? []));
    token = page[tokenOut];
  } while (token !== undefined && token !== null);
  return out;
}
