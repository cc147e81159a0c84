/**
 * @module transfer/bucket
 * Where export, import and bulk operations read and write: "buckets" of
 * objects named by keys, as S3 has them. Two places, chosen at start-up:
 *
 * - an S3-compatible endpoint (`serve --s3-endpoint URL`): the AWS SDK v3's
 *   S3 client, loaded at first use (it is large, and a server that never
 *   transfers anything must not pay for it), path-style addressing (local S3
 *   servers seldom have per-bucket DNS names), and checksums only where S3
 *   requires them (SDK v3's default flexible checksums trip simple servers);
 * - a local folder (`serve --export-dir DIR`): each bucket is a sub-folder,
 *   each key a file below it; a file is written to a temporary name and
 *   renamed, so a reader never sees half an object.
 *
 * Neither given: the operations answer a ValidationException saying how to
 * enable them (api/transfer).
 */
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

/** A failure of the bucket itself, with S3's error code (NoSuchBucket, AccessDenied, …). */
export class BucketError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BucketError';
  }
}

export interface Buckets {
  /** Where the objects live, for messages: `s3 http://…` or `folder /…`. */
  readonly description: string;
  put(bucket: string, key: string, body: Uint8Array): Promise<{ readonly etag: string }>;
  /** The object's bytes; BucketError NoSuchKey / NoSuchBucket when absent. */
  get(bucket: string, key: string): Promise<Uint8Array>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
}

export interface BucketConfig {
  readonly s3Endpoint?: string;
  readonly exportDir?: string;
}

export function openBuckets(config: BucketConfig): Buckets | undefined {
  if (config.s3Endpoint !== undefined) return new S3Buckets(config.s3Endpoint);
  if (config.exportDir !== undefined) return new FolderBuckets(config.exportDir);
  return undefined;
}

/** S3's bucket-name rule, loosely: what can also be a folder name. */
const BUCKET_NAME = /^[a-z0-9A-Z][a-z0-9A-Z._-]{0,254}$/;

/** Each bucket a sub-folder of `root`; keys are paths below it. */
export class FolderBuckets implements Buckets {
  readonly description: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `folder ${this.root}`;
  }

  private path(bucket: string, key: string): string {
    if (!BUCKET_NAME.test(bucket) || bucket === '.' || bucket === '..') {
      throw new BucketError('InvalidBucketName', `The specified bucket is not valid: ${bucket}`);
    }
    const parts = key.split('/');
    // A key is a path inside its bucket's folder, never outside it.
    if (key === '' || parts.some((p) => p === '..' || p === '.') || key.includes('\0') || key.includes('\\')) {
      throw new BucketError('InvalidKey', `The key cannot be stored in a folder: ${key}`);
    }
    return join(this.root, bucket, ...parts.filter((p) => p !== ''));
  }

  async put(bucket: string, key: string, body: Uint8Array): Promise<{ etag: string }> {
    const file = this.path(bucket, key);
    await mkdir(join(file, '..'), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, body);
    await rename(temp, file);
    return { etag: createHash('md5').update(body).digest('hex') };
  }

  async get(bucket: string, key: string): Promise<Uint8Array> {
    const file = this.path(bucket, key);
    try {
      return await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') {
        if (!(await exists(join(this.root, bucket)))) throw new BucketError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
        throw new BucketError('NoSuchKey', `The specified key does not exist: ${key}`);
      }
      throw e;
    }
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    this.path(bucket, 'x');
    const base = join(this.root, bucket);
    if (!(await exists(base))) throw new BucketError('NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const key = rel === '' ? entry.name : `${rel}/${entry.name}`;
        // A directory can hold keys with the prefix only if its own path is a prefix of the prefix, or the reverse.
        if (entry.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) await walk(join(dir, entry.name), key);
        } else if (entry.isFile() && key.startsWith(prefix) && !entry.name.endsWith('.tmp')) {
          out.push({ key, size: (await stat(join(dir, entry.name))).size });
        }
      }
    };
    await walk(base, '');
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

 
/** An S3-compatible endpoint through the AWS SDK v3, loaded at first use. */
export class S3Buckets implements Buckets {
  readonly description: string;
  private client: any;
  private sdk: any;

  constructor(private readonly endpoint: string) {
    this.description = `s3 ${endpoint}`;
  }

  private load(): { client: any; sdk: any } {
    if (this.client === undefined) {
      this.sdk = createRequire(import.meta.url)('@aws-sdk/client-s3');
      const env = process.env;
      this.client = new this.sdk.S3Client({
        endpoint: this.endpoint,
        region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
        forcePathStyle: true,
        // Local S3 servers rarely know SDK v3's default CRC32 trailers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // The usual AWS variables; otherwise placeholders, which local S3 servers accept.
        credentials:
          env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined
            ? {
                accessKeyId: env.AWS_ACCESS_KEY_ID,
                secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
                ...(env.AWS_SESSION_TOKEN !== undefined ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
              }
            : { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
    }
    return { client: this.client, sdk: this.sdk };
  }

  private async send(command: any): Promise<any> {
    const { client } = this.load();
    try {
      return await client.send(command);
    } catch (e) {
      const err = e as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const code = err.Code ?? err.name ?? 'S3Error';
      if (code === 'NotFound' || err.$metadata?.httpStatusCode === 404) {
        throw new BucketError(code === 'NoSuchBucket' ? 'NoSuchBucket' : code === 'NotFound' ? 'NoSuchKey' : code, err.message ?? code);
      }
      throw new BucketError(code, err.message ?? code);
    }
  }

  async put(bucket: string, key: string, body: Uint8Array): Promise<{ etag: string }> {
    const { sdk } = this.load();
    const out = await this.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return { etag: String(out.ETag ?? '').replace(/"/g, '') };
  }

  async get(bucket: string, key: string): Promise<Uint8Array> {
    const { sdk } = this.load();
    const out = await this.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    return new Uint8Array(await out.Body.transformToByteArray());
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const { sdk } = this.load();
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(
        new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
      );
      for (const o of page.Contents ?? []) out.push({ key: String(o.Key), size: Number(o.Size ?? 0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }
}
