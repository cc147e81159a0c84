/**
 * @module console/sigv4.test
 * The console signs in the browser (src/console/assets/sigv4.js); here the
 * same module, run in Node (which has WebCrypto too), signs requests that
 * the server's own verifier (auth/sigv4) must accept — with WebCrypto and
 * with the pure-JS SHA-256 the page falls back to without a secure
 * context — and whose tampered copies it must refuse.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SigningKeyCache, verifySignature } from '../auth/sigv4.js';
import { DynamoError } from '../errors/index.js';

interface BrowserSigV4 {
  signRequest(r: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    date?: Date;
    pureJs?: boolean;
  }): Promise<Record<string, string>>;
  sha256Js(data: Uint8Array): Uint8Array;
  hmac(key: string | Uint8Array, message: string, o?: { pureJs?: boolean }): Promise<Uint8Array>;
}

/** dist/src/console → dist/console, where `npm run build` copies the page's files. */
const load = async () => (await import(new URL('../../console/sigv4.js', import.meta.url).href)) as BrowserSigV4;

const credential = { accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', keys: new SigningKeyCache() };

async function signed(mod: BrowserSigV4, pureJs: boolean, body: string, sessionToken?: string): Promise<Record<string, string>> {
  const headers = await mod.signRequest({
    method: 'POST',
    path: '/',
    headers: { host: '127.0.0.1:8000', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
    body,
    region: 'eu-west-2',
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    pureJs,
  });
  return { ...headers, host: '127.0.0.1:8000' };
}

function verify(headers: Record<string, string>, body: string, token?: string) {
  const c = token === undefined ? credential : { ...credential, sessionToken: token };
  return verifySignature({ method: 'POST', path: '/', query: '', headers, body: Buffer.from(body) }, Date.now(), (id) => (id === c.accessKeyId ? c : undefined));
}

describe('the console signs requests the server verifies', () => {
  for (const pureJs of [false, true]) {
    it(`signs with ${pureJs ? 'the pure-JS SHA-256' : 'WebCrypto'}`, async () => {
      const mod = await load();
      const body = JSON.stringify({ Limit: 5, ExclusiveStartTableName: 'é ünïcode ✓' });
      const headers = await signed(mod, pureJs, body);
      assert.equal(headers.host, '127.0.0.1:8000');
      const ok = verify(headers, body);
      assert.ok(!(ok instanceof DynamoError), ok instanceof DynamoError ? ok.message : '');
      assert.equal(ok.region, 'eu-west-2');
      // Another body, or another target, under the same signature: refused.
      assert.ok(verify(headers, `${body} `) instanceof DynamoError);
      assert.ok(verify({ ...headers, 'x-amz-target': 'DynamoDB_20120810.DeleteTable' }, body) instanceof DynamoError);
    });
  }

  it('signs a session token', async () => {
    const mod = await load();
    const headers = await signed(mod, false, '{}', 'TOKEN/with+chars=');
    assert.equal(headers['x-amz-security-token'], 'TOKEN/with+chars=');
    assert.ok(!(verify(headers, '{}', 'TOKEN/with+chars=') instanceof DynamoError));
  });

  it('hashes like node:crypto at every padding boundary', async () => {
    const mod = await load();
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70000]) {
      const data = Buffer.alloc(n, n % 251);
      assert.equal(Buffer.from(mod.sha256Js(data)).toString('hex'), createHash('sha256').update(data).digest('hex'), `length ${n}`);
    }
    const longKey = 'k'.repeat(100);
    assert.equal(Buffer.from(await mod.hmac(longKey, 'message', { pureJs: true })).toString('hex'), createHmac('sha256', longKey).update('message').digest('hex'));
  });
});
