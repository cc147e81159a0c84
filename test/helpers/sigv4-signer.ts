/**
 * @module test/helpers/sigv4-signer
 * The AWS SDK's own SigV4 signer (@smithy/signature-v4, a dependency of
 * @aws-sdk/client-dynamodb) set up for tests that sign requests by hand:
 * presigned URLs, chosen clocks, chosen tokens.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** The SDK's checksum interface over node:crypto (what @smithy/hash-node provides). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {}
}

export interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export function signer(keys: Keys, region = 'us-east-1', service = 'dynamodb'): SignatureV4 {
  return new SignatureV4({ credentials: keys, region, service, sha256: NodeSha256 as never, uriEscapePath: true });
}
