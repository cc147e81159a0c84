import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackAddress, isLoopbackHost } from './loopback.js';

test('loopback hosts and peer addresses', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:127.0.0.9']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '192.0.2.2', '::ffff:192.0.2.2', '128.0.0.1', 'example.com', '127.0.0.1.example.com']) assert.ok(!isLoopbackHost(h), h);
  assert.ok(isLoopbackAddress('::ffff:127.0.0.1'));
  assert.ok(!isLoopbackAddress('192.0.2.2'));
  assert.ok(!isLoopbackAddress(undefined));
});
