/**
 * @module test/helpers/server-process
 * Black-box tests run openddb as a real server process (the CLI, exactly as
 * a user starts it) and talk to it with the real AWS SDK v3 client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/helpers → dist/openddb.mjs: the bundled CLI, the file the package's `bin` names. */
export const CLI = join(here, '..', '..', 'openddb.mjs');

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly dataDir: string | undefined;
  readonly output: () => string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Durable store in this directory; default: in-memory. */
  readonly dataDir?: string;
  readonly extraArgs?: readonly string[];
}

export async function startServerProcess(options: StartOptions = {}): Promise<ServerProcess> {
  const args = [CLI, 'serve', '--port', '0'];
  if (options.dataDir !== undefined) args.push('--data', options.dataDir);
  else args.push('--in-memory');
  // OPENDDB_TEST_HTTP=fast runs the whole black-box suite on the node:net
  // front end; a test's own --http (protocol.test.ts) comes later and wins.
  if (process.env.OPENDDB_TEST_HTTP !== undefined) args.push('--http', process.env.OPENDDB_TEST_HTTP);
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${out}`)), 15_000);
    const onData = () => {
      const m = /listening on (https?:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    dataDir: options.dataDir,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export function client(url: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

export function tempDir(prefix = 'openddb-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Asserts that `promise` rejects with a DynamoDB error of this name (and message, if given). */
export async function expectError(
  promise: Promise<unknown>,
  name: string,
  message?: string | RegExp,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error;
    if (err.name !== name) throw new Error(`expected ${name}, got ${err.name}: ${err.message}`);
    if (typeof message === 'string' && err.message !== message) {
      throw new Error(`expected message:\n  ${message}\ngot:\n  ${err.message}`);
    }
    if (message instanceof RegExp && !message.test(err.message)) {
      throw new Error(`expected message matching ${message}, got:\n  ${err.message}`);
    }
    return err;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}
