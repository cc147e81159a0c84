/**
 * @module console/serve-console.test
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { answerConsole } from './serve-console.js';

const settings = { region: 'eu-central-1', auth: true };

function header(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name.toLowerCase()) return headers[i + 1];
  return undefined;
}

describe('answerConsole', () => {
  it('answers only /console and below', () => {
    assert.equal(answerConsole('/', settings, undefined, undefined), undefined);
    assert.equal(answerConsole('/consolex', settings, undefined, undefined), undefined);
    assert.equal(answerConsole('/metrics', settings, undefined, undefined), undefined);
    const redirect = answerConsole('/console', settings, undefined, undefined)!;
    assert.equal(redirect.status, 308);
    assert.equal(header(redirect.headers, 'Location'), '/console/');
  });

  it('serves index.html with the server settings and a strict content security policy', () => {
    const page = answerConsole('/console/', settings, undefined, undefined)!;
    assert.equal(page.status, 200);
    assert.match(header(page.headers, 'Content-Type')!, /^text\/html/);
    assert.match(header(page.headers, 'Content-Security-Policy')!, /script-src 'self'/);
    assert.equal(header(page.headers, 'X-Frame-Options'), 'DENY');
    const html = page.body.toString();
    assert.match(html, /<meta name="openddb-settings" content="\{&#34;region&#34;:&#34;eu-central-1&#34;,&#34;auth&#34;:true\}">/);
    assert.equal(answerConsole('/console/index.html', settings, undefined, undefined)!.body.toString(), html);
    // The stylesheet is inlined: the first paint waits for no second request.
    assert.ok(html.includes('<style>') && !html.includes('href="console.css"'));
    const anonymous = answerConsole('/console/', { region: 'us-east-1', auth: false }, undefined, undefined)!.body.toString();
    assert.match(anonymous, /&#34;auth&#34;:false/);
  });

  it('serves modules by name only: no path reaches outside the files', () => {
    const app = answerConsole('/console/app.js', settings, undefined, undefined)!;
    assert.equal(app.status, 200);
    assert.match(header(app.headers, 'Content-Type')!, /^text\/javascript/);
    assert.equal(answerConsole('/console/pages/items.js', settings, undefined, undefined)!.status, 200);
    for (const bad of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/nope.js', '/console/pages/', '/console//etc/passwd']) {
      assert.equal(answerConsole(bad, settings, undefined, undefined)!.status, 404, bad);
    }
  });

  it('revalidates with ETag and compresses when asked', () => {
    const plain = answerConsole('/console/app.js', settings, undefined, undefined)!;
    const etag = header(plain.headers, 'ETag')!;
    assert.equal(answerConsole('/console/app.js', settings, undefined, etag)!.status, 304);
    assert.equal(answerConsole('/console/app.js', settings, undefined, '"other"')!.status, 200);
    const zipped = answerConsole('/console/app.js', settings, 'gzip, deflate, br', undefined)!;
    assert.equal(header(zipped.headers, 'Content-Encoding'), 'gzip');
    assert.deepEqual(gunzipSync(zipped.body), plain.body);
    assert.equal(header(zipped.headers, 'Content-Length'), String(zipped.body.length));
  });
});
