/**
 * @module server/ops-endpoints.test
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerOpsEndpoint, READY_TIMEOUT_MS, type OpsEndpoints } from './ops-endpoints.js';

function ops(probe: () => Promise<unknown>): OpsEndpoints {
  return { metrics: () => Promise.resolve('# TYPE a counter\na 1\n'), probeStorage: probe, uptimeSeconds: () => 1 };
}

describe('answerOpsEndpoint', () => {
  it('answers only its own paths', async () => {
    const o = ops(() => Promise.resolve(undefined));
    assert.equal(answerOpsEndpoint('/', o), undefined);
    assert.equal(answerOpsEndpoint('/metricsx', o), undefined);
    const metrics = await answerOpsEndpoint('/metrics?x=1', o)!;
    assert.equal(metrics.status, 200);
    assert.equal(metrics.body.toString(), '# TYPE a counter\na 1\n');
    assert.equal((await answerOpsEndpoint('/health', o)!).status, 200);
  });

  it('serves the console only when the server gives it settings', async () => {
    const without = ops(() => Promise.resolve(undefined));
    assert.equal(answerOpsEndpoint('/console/', without), undefined);
    const withConsole = { ...without, console: { region: 'us-east-1', auth: false } };
    const page = await answerOpsEndpoint('/console/', withConsole, undefined, {})!;
    assert.equal(page.status, 200);
    assert.deepEqual(page.headers.slice(0, 2), ['Server', 'Server']);
    assert.match(page.body.toString(), /<title>openddb console<\/title>/);
    assert.equal((await answerOpsEndpoint('/console', withConsole)!).status, 308);
    assert.equal(answerOpsEndpoint('/consoles', withConsole), undefined);
  });

  it('is ready when storage answers, unavailable when it fails or hangs', async () => {
    const ready = await answerOpsEndpoint('/health/ready', ops(() => Promise.resolve(undefined)))!;
    assert.equal(ready.status, 200);
    assert.equal((JSON.parse(ready.body.toString()) as { status: string }).status, 'ready');

    const failed = await answerOpsEndpoint('/health/ready', ops(() => Promise.reject(new Error('disk gone'))))!;
    assert.equal(failed.status, 503);
    assert.match(failed.body.toString(), /storage read failed: disk gone/);

    const started = Date.now();
    const hung = await answerOpsEndpoint('/health/ready', ops(() => new Promise(() => {})))!;
    assert.equal(hung.status, 503);
    assert.match(hung.body.toString(), /did not answer within/);
    assert.ok(Date.now() - started >= READY_TIMEOUT_MS - 50);
  });
});
