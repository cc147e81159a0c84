/**
 * @module console/serve-console
 * The web console's files, served by the server itself at `/console/`
 * (docs/console.md). The console is a page of plain ES modules
 * (src/console/assets) that talks to the server through DynamoDB's own
 * JSON API, signing with SigV4 in the browser, so it needs nothing here
 * but its files: this module answers GET /console/<file> from them.
 *
 * The files are read once, on the first request for one, from dist/console
 * (`npm run build` copies them there; the bundle and tsc's output both find
 * it) or, in a tree built with tsc alone, from src/console/assets. Nothing
 * here runs for a DynamoDB request: the server calls it only for a GET
 * whose path starts with /console.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** What the page needs from the server it runs on, put into index.html. */
export interface ConsoleSettings {
  /** The region of the server's tables for requests that name none (`--region`). */
  readonly region: string;
  /** `--auth` is on: the console asks for an access key and signs with it. */
  readonly auth: boolean;
}

export interface ConsoleResponse {
  readonly status: number;
  /** Flat name/value pairs including Content-Length (server/dynamo-protocol's shape). */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  /** The body gzipped, when that makes it smaller. */
  readonly gzipped: Buffer | undefined;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page runs only its own scripts and talks only to its own origin
 * (inline style attributes are allowed: they cannot run code); no other
 * site may frame it (a console that deletes tables must not be
 * clickable through someone else's page).
 */
const SECURITY_HEADERS = [
  'Content-Security-Policy',
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options',
  'nosniff',
  'X-Frame-Options',
  'DENY',
  'Referrer-Policy',
  'no-referrer',
];

const SETTINGS_MARK = '<!--openddb-settings-->';

let assets: Map<string, Asset> | undefined;

/** Where the console's files are: dist/console beside the bundle or tsc's output, else the source folder. */
function assetDirectory(): string {
  const candidates = ['./console/', '../../console/', '../../../src/console/assets/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (found === undefined) throw new Error(`the console's files are missing (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

function loadAssets(): Map<string, Asset> {
  const dir = assetDirectory();
  const loaded = new Map<string, Asset>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else {
        const type = TYPES[path.extname(entry.name)];
        if (type !== undefined) loaded.set(rel, asset(type, readFileSync(path.join(dir, rel))));
      }
    }
  };
  walk('');
  return loaded;
}

function asset(type: string, body: Buffer): Asset {
  const gz = body.length >= 1024 ? gzipSync(body) : undefined;
  return {
    type,
    body,
    gzipped: gz !== undefined && gz.length < body.length ? gz : undefined,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

const indexPages = new Map<string, Asset>();

/** index.html with the server's settings in it (a handful of distinct settings per process: cached). */
function indexPage(all: Map<string, Asset>, settings: ConsoleSettings): Asset {
  const key = `${settings.region}\0${settings.auth}`;
  let page = indexPages.get(key);
  if (page === undefined) {
    // The stylesheet goes into the page itself: the first paint then waits for no second request.
    const css = all.get('console.css')?.body.toString('utf8') ?? '';
    const template = all
      .get('index.html')!
      .body.toString('utf8')
      .replace('<link rel="stylesheet" href="console.css">', () => `<style>\n${css}</style>`);
    const json = JSON.stringify({ region: settings.region, auth: settings.auth }).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
    page = asset(TYPES['.html']!, Buffer.from(template.replace(SETTINGS_MARK, `<meta name="openddb-settings" content="${json}">`), 'utf8'));
    indexPages.set(key, page);
  }
  return page;
}

/**
 * The answer to `GET path` when path is /console or under it, else
 * undefined. `acceptEncoding` and `ifNoneMatch` are the request's headers.
 */
export function answerConsole(
  urlPath: string,
  settings: ConsoleSettings,
  acceptEncoding: string | undefined,
  ifNoneMatch: string | undefined,
): ConsoleResponse | undefined {
  if (urlPath !== '/console' && !urlPath.startsWith('/console/')) return undefined;
  // The page's modules import each other by relative URLs, which need the slash.
  if (urlPath === '/console') return { status: 308, headers: ['Location', '/console/', 'Content-Length', '0'], body: Buffer.alloc(0) };
  assets ??= loadAssets();
  const name = urlPath === '/console/' ? 'index.html' : urlPath.slice('/console/'.length);
  // Only the names read at load time: no path reaches the file system.
  const found = name === 'index.html' ? indexPage(assets, settings) : assets.get(name);
  if (found === undefined) {
    const body = Buffer.from('not found\n');
    return { status: 404, headers: ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length)], body };
  }
  // Revalidated on every load (no-cache), so a new build is seen at once; an unchanged file costs a 304.
  const common = ['Content-Type', found.type, 'Cache-Control', 'no-cache', 'ETag', found.etag, 'Vary', 'Accept-Encoding', ...SECURITY_HEADERS];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === found.etag)) {
    return { status: 304, headers: [...common, 'Content-Length', '0'], body: Buffer.alloc(0) };
  }
  if (found.gzipped !== undefined && acceptEncoding !== undefined && /\bgzip\b/i.test(acceptEncoding)) {
    return { status: 200, headers: [...common, 'Content-Encoding', 'gzip', 'Content-Length', String(found.gzipped.length)], body: found.gzipped };
  }
  return { status: 200, headers: [...common, 'Content-Length', String(found.body.length)], body: found.body };
}
