/**
 * @module server/authenticate
 * The edge's side of `--auth`: the credentials file, reloaded when it
 * changes, and the SigV4 verification of each request against it
 * (auth/sigv4). A changed file that does not parse or validate is refused
 * with a log line saying why, and the previous identities stay in force.
 * Secrets never reach a log line: errors name fields and access key ids
 * only.
 */
import { readFileSync, statSync, watchFile, unwatchFile, type Stats } from 'node:fs';
import { parseAuthConfig, type AuthConfig, type Identity } from '../auth/identities.js';
import { verifySignature, type Verified } from '../auth/sigv4.js';
import type { DynamoError } from '../errors/index.js';
import type { ProtocolRequest } from './dynamo-protocol.js';

/** Where the current identities come from. */
export interface AuthSource {
  current(): AuthConfig;
  /** Epoch milliseconds now; injected so tests can move the clock. */
  now?(): number;
  close?(): void;
}

/**
 * Verifies a request's signature; the identity and region, or DynamoDB's
 * error. `trimmedValues`: the front end's parser vouches for its header
 * values (SignedRequest.trimmedValues).
 */
export function authenticate(req: ProtocolRequest, source: AuthSource, trimmedValues = false): Verified<Identity> | DynamoError {
  // What every SDK sends (`/`, V8's one copy of it) needs no search for a query.
  const q = req.url === '/' ? -1 : req.url.indexOf('?');
  return verifySignature(
    { method: req.method, path: q < 0 ? req.url : req.url.slice(0, q), query: q < 0 ? '' : req.url.slice(q + 1), headers: req.headers, body: req.body, trimmedValues },
    source.now?.() ?? Date.now(),
    lookupIn(source.current().identities),
  );
}

/** The lookup of the identities last asked for: one function per file loaded, not one per request. */
let lastLookup: { identities: ReadonlyMap<string, Identity>; lookup: (accessKeyId: string) => Identity | undefined } | undefined;

function lookupIn(identities: ReadonlyMap<string, Identity>): (accessKeyId: string) => Identity | undefined {
  if (lastLookup !== undefined && lastLookup.identities === identities) return lastLookup.lookup;
  // The last key's identity is remembered: a client signs with one key request after request, and the
  // key's text is then the same string object (sigv4 remembers the credential it read), so no map lookup.
  let lastId: string | undefined;
  let last: Identity | undefined;
  const lookup = (accessKeyId: string): Identity | undefined => {
    if (accessKeyId !== lastId) {
      last = identities.get(accessKeyId);
      lastId = accessKeyId;
    }
    return last;
  };
  lastLookup = { identities, lookup };
  return lookup;
}

/**
 * Loads `path` now (throwing if it is unusable: the server must not start
 * on a broken file) and polls it for changes every `intervalMs`. Polling
 * (fs.watchFile) survives editors that replace the file and works on every
 * file system, at the cost of a stat per interval.
 */
export function watchAuthFile(path: string, log: (line: string) => void, intervalMs = 1000): AuthSource {
  let config = load(path);
  log(`openddb: --auth ${path}: ${config.identities.size} identities`);
  const onChange = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    try {
      config = load(path);
      log(`openddb: --auth ${path} reloaded: ${config.identities.size} identities`);
    } catch (e) {
      log(`openddb: --auth ${path} not reloaded, the previous identities stay in force: ${(e as Error).message}`);
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, onChange);
  return {
    current: () => config,
    close: () => unwatchFile(path, onChange),
  };
}

function load(path: string): AuthConfig {
  let text: string;
  try {
    statSync(path);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the credentials file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseAuthConfig(text);
}
