/**
 * Unit tests of credentialRegion: the region a request's SigV4 credential
 * scope names, from the Authorization header or a presigned URL.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { credentialRegion } from './auth-header.js';

const header = (credential: string, rest = ', SignedHeaders=host;x-amz-date, Signature=0a1b') =>
  `AWS4-HMAC-SHA256 Credential=${credential}${rest}`;

describe('credentialRegion', () => {
  it('reads the region of a complete credential scope', () => {
    assert.equal(credentialRegion(header('AKID/20260101/us-west-1/dynamodb/aws4_request'), '/'), 'us-west-1');
    assert.equal(credentialRegion(header('AKID/20260101/local/dynamodb/aws4_request', ',SignedHeaders=host,Signature=0a'), '/'), 'local');
    assert.equal(credentialRegion(header('AKID/20260101/us-west-1/dynamodb/aws4_request', ''), '/'), 'us-west-1');
    // An empty region is a region the dispatcher refuses, not a missing one.
    assert.equal(credentialRegion(header('AKID/20260101//dynamodb/aws4_request'), '/'), '');
  });

  it('finds no region in an incomplete scope, whatever follows it', () => {
    assert.equal(credentialRegion(header('AKID'), '/'), undefined);
    assert.equal(credentialRegion(header('AKID/20260101/us-west-1'), '/'), undefined);
    assert.equal(credentialRegion(header('AKID', ', SignedHeaders=a/b/c/d/e'), '/'), undefined);
    assert.equal(credentialRegion(header('A/B/C/D/E/F'), '/'), undefined);
    assert.equal(credentialRegion('AWS4-HMAC-SHA256 SignedHeaders=host, Signature=0a', '/'), undefined);
  });

  it('reads each request\'s own scope: a repeated one, a new one, a key that begins like the last one', () => {
    const scope = 'AKID/20260101/ap-south-1/dynamodb/aws4_request';
    assert.equal(credentialRegion(header(scope, ', SignedHeaders=host, Signature=01'), '/'), 'ap-south-1');
    assert.equal(credentialRegion(header(scope, ', SignedHeaders=host;x-amz-date, Signature=02'), '/'), 'ap-south-1');
    assert.equal(credentialRegion(header('AKID/20260101/ap-south-2/dynamodb/aws4_request', ', Signature=03'), '/'), 'ap-south-2');
    assert.equal(credentialRegion(header('AKID', ', SignedHeaders=a/b/c/d/e'), '/'), undefined);
    assert.equal(credentialRegion(header('AKID', ', SignedHeaders=a/b/c/d/e/f'), '/'), undefined);
    assert.equal(credentialRegion(header(scope, ', Signature=04'), '/'), 'ap-south-1');
    // A longer key that begins like the last one is another scope.
    assert.equal(credentialRegion(header('AKIDX/20260101/eu-north-1/dynamodb/aws4_request', ', Signature=05'), '/'), 'eu-north-1');
  });

  it('reads a presigned URL\'s X-Amz-Credential when there is no Authorization header', () => {
    const url = '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Feu-west-2%2Fdynamodb%2Faws4_request&X-Amz-Signature=0a';
    assert.equal(credentialRegion(undefined, url), 'eu-west-2');
    assert.equal(credentialRegion(undefined, '/?X-Amz-Signature=0a'), undefined);
    assert.equal(credentialRegion(undefined, '/'), undefined);
  });
});
