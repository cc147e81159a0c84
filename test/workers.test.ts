/**
 * Black-box tests of `openddb serve --workers N`: several server processes
 * on one port and one data directory. Which worker answered a connection
 * is read from /proc (the server-side socket of the connection, and which
 * worker process holds it), not from anything the server says about itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CLI, childPids, client, isRunning, startServerProcess, tempDir, waitForExit, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable } from './helpers/tables.js';

const linux = process.platform === 'linux';

/** The pid of the process holding the server side of the connection from local port `clientPort` to `serverPort`. */
function connectionOwner(serverPort: number, clientPort: number, pids: readonly number[]): number | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hex(serverPort)}`) && fields[2]?.endsWith(`:${hex(clientPort)}`)) inode = fields[9];
    }
  }
  if (inode === undefined) return undefined;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** A one-connection keep-alive agent, and the worker whose socket that connection reached. */
async function pinnedConnection(url: URL, pids: readonly number[]): Promise<{ agent: http.Agent; pid: number | undefined }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const clientPort = await new Promise<number>((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(req.socket!.localPort!));
    });
    req.on('error', reject);
  });
  return { agent, pid: connectionOwner(Number(url.port), clientPort, pids) };
}

function clientOver(url: string, agent: http.Agent): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('--workers 2', { skip: !linux && 'reads /proc' }, () => {
  let server: ServerProcess;

  before(async () => {
    server = await startServerProcess({ workers: 2 });
  });
  after(async () => {
    await server.stop();
  });

  it('runs two worker processes that both answer, and a table made through one is used through the other', async () => {
    const pids = server.workerPids();
    assert.equal(pids.length, 2, `two workers under the primary ${server.child.pid}: ${pids.join(', ')}`);
    const url = new URL(server.url);
    // The kernel spreads connections between the workers; open connections
    // until each worker holds one.
    const byWorker = new Map<number, http.Agent>();
    const spare: http.Agent[] = [];
    for (let round = 0; round < 20 && byWorker.size < 2; round++) {
      const connections = await Promise.all(Array.from({ length: 8 }, () => pinnedConnection(url, pids)));
      for (const { agent, pid } of connections) {
        if (pid !== undefined && !byWorker.has(pid)) byWorker.set(pid, agent);
        else spare.push(agent);
      }
    }
    for (const agent of spare) agent.destroy();
    assert.deepEqual([...byWorker.keys()].sort(), [...pids].sort(), 'each worker answered a connection');
    const [one, other] = [...byWorker.values()].map((agent) => clientOver(server.url, agent));
    try {
      await one!.send(new CreateTableCommand(hashKeyTable('shared')));
      const described = await other!.send(new DescribeTableCommand({ TableName: 'shared' }));
      assert.equal(described.Table!.TableStatus, 'ACTIVE');
      await other!.send(new PutItemCommand({ TableName: 'shared', Item: { pk: { S: 'a' }, v: { N: '1' } } }));
      const got = await one!.send(new GetItemCommand({ TableName: 'shared', Key: { pk: { S: 'a' } }, ConsistentRead: true }));
      assert.deepEqual(got.Item, { pk: { S: 'a' }, v: { N: '1' } });
      // Still the same two connections, each on its worker.
      for (const [pid, agent] of byWorker) {
        const socket = Object.values(agent.freeSockets).flat()[0];
        assert.ok(socket, 'the connection was kept alive');
        assert.equal(connectionOwner(Number(url.port), socket.localPort!, pids), pid);
      }
    } finally {
      one!.destroy();
      other!.destroy();
      for (const agent of byWorker.values()) agent.destroy();
    }
  });

  it('loses nothing acknowledged when a worker is killed under a write load, keeps serving, and restarts the worker', async () => {
    const ddb = client(server.url);
    try {
      await ddb.send(new CreateTableCommand(hashKeyTable('load')));
      const acknowledged: string[] = [];
      let failed = 0;
      let killedAt = 0;
      let acknowledgedAfterKill = 0;
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const pk = `w${w}-${i}`;
          try {
            await ddb.send(new PutItemCommand({ TableName: 'load', Item: { pk: { S: pk }, payload: { S: 'x'.repeat(200) } } }));
            acknowledged.push(pk);
            if (killedAt !== 0) acknowledgedAfterKill++;
          } catch {
            // In flight on the killed worker: not acknowledged, may or may not be written.
            failed++;
          }
        }
      };
      const writers = Array.from({ length: 16 }, (_, w) => writer(w));
      // A failed wait must not leave the writers running (and the test file with them).
      const stopWriters = () => {
        stop = true;
        return Promise.all(writers);
      };
      let victim = 0;
      let survivor = 0;
      try {
        await until('some writes are acknowledged', () => acknowledged.length >= 200);
        const pids = server.workerPids();
        assert.equal(pids.length, 2);
        [victim, survivor] = pids as [number, number];
        process.kill(victim, 'SIGKILL');
        killedAt = Date.now();
        await waitForExit(victim);
        await until('writes go on after the kill', () => acknowledgedAfterKill >= 200);
        await until('the killed worker is replaced', () => {
          const now = server.workerPids();
          return now.length === 2 && !now.includes(victim) && now.includes(survivor);
        });
        await until('the replacement serves', () => /worker \d restarted \(pid \d+\)/.test(server.output()));
      } finally {
        await stopWriters();
      }
      assert.match(server.output(), new RegExp(`worker \\d \\(pid ${victim}\\) was killed by SIGKILL`));
      assert.ok(isRunning(survivor), 'the other worker kept running');

      // Every acknowledged write reads back.
      const missing: string[] = [];
      for (let i = 0; i < acknowledged.length; i += 100) {
        const keys = acknowledged.slice(i, i + 100);
        let request: Record<string, { Keys: Record<string, AttributeValue>[]; ConsistentRead: boolean }> | undefined = {
          load: { Keys: keys.map((pk) => ({ pk: { S: pk } })), ConsistentRead: true },
        };
        const found = new Set<string>();
        while (request !== undefined) {
          const out: BatchGetItemCommandOutput = await ddb.send(new BatchGetItemCommand({ RequestItems: request }));
          for (const item of out.Responses?.load ?? []) found.add(item.pk!.S!);
          const unprocessed: KeysAndAttributes | undefined = out.UnprocessedKeys?.load;
          request = unprocessed?.Keys?.length ? { load: { Keys: unprocessed.Keys, ConsistentRead: true } } : undefined;
        }
        missing.push(...keys.filter((pk) => !found.has(pk)));
      }
      assert.deepEqual(missing, [], `${acknowledged.length} acknowledged, ${failed} failed`);
    } finally {
      ddb.destroy();
    }
  });
});

describe('--workers and --storage on the command line', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 15_000 });

  it('refuses several workers in memory', () => {
    const out = run('--workers', '2', '--in-memory');
    assert.equal(out.status, 2);
    assert.match(out.stderr, /--workers 2 needs a data directory \(--data DIR\): in memory, each worker process would have its own separate database/);
    assert.match(run('--workers', '2', '--storage', 'memory:').stderr, /needs a data directory/);
  });

  it('refuses a bad worker count', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '100000']) {
      const out = run(`--workers=${bad}`, '--in-memory');
      assert.equal(out.status, 2, bad);
      assert.match(out.stderr, /--workers must be a whole number from 1 to 256, or 'auto'/);
    }
  });

  it('reports a storage location it cannot open, and refuses unknown schemes', () => {
    const pg = run('--storage', 'postgres://user:secret@db.invalid/openddb');
    assert.equal(pg.status, 1);
    assert.match(pg.stderr, /cannot open the PostgreSQL database at postgres:\/\/user:\*\*\*@db\.invalid\/openddb/);
    assert.doesNotMatch(pg.stderr, /secret/, 'the password is not echoed');
    assert.match(run('--storage', 'redis://x').stderr, /unknown storage location scheme "redis:"/);
    assert.match(run('--storage', 'memory:', '--in-memory').stderr, /choose one of --data, --in-memory and --storage/);
  });

  it('serves with --storage memory: and with --storage DIR', async () => {
    const mem = await startServerProcess({ workers: 1, storageInArgs: true, extraArgs: ['--storage', 'memory:'] });
    try {
      assert.match(mem.output(), /in-memory store/);
      assert.equal(mem.workerPids().length, 0, '--workers 1 is one process');
    } finally {
      await mem.stop();
    }
    const dir = tempDir();
    try {
      const disk = await startServerProcess({ workers: 1, storageInArgs: true, extraArgs: ['--storage', `${dir.path}/db`] });
      try {
        assert.match(disk.output(), new RegExp(`storage ${dir.path}/db`));
      } finally {
        await disk.stop();
      }
    } finally {
      dir.remove();
    }
  });

  it('stops every worker gracefully on SIGTERM to the primary', { skip: !linux && 'reads /proc' }, async () => {
    const server = await startServerProcess({ workers: 2 });
    const pids = server.workerPids();
    assert.equal(pids.length, 2);
    assert.equal(await server.stop(), 0);
    for (const pid of pids) await waitForExit(pid);
    assert.deepEqual(childPids(server.child.pid!), []);
  });
});

describe('startServer({ workers: 2 })', () => {
  it('starts, serves and closes a cluster from a program', async () => {
    const dir = tempDir();
    // The package's own entry (dist/src/index.js), as a user imports it.
    const { startServer } = await import('../src/index.js');
    const lines: string[] = [];
    const cluster = await startServer({ port: 0, dataDir: dir.path, workers: 2, log: (line) => lines.push(line) });
    try {
      assert.ok(!('database' in cluster), 'the primary opens no database');
      assert.ok('workerPids' in cluster);
      assert.equal(cluster.workerPids.length, 2);
      const ddb = client(cluster.url);
      try {
        await ddb.send(new CreateTableCommand(hashKeyTable('lib')));
        await ddb.send(new PutItemCommand({ TableName: 'lib', Item: { pk: { S: 'k' } } }));
        const got = await ddb.send(new GetItemCommand({ TableName: 'lib', Key: { pk: { S: 'k' } } }));
        assert.deepEqual(got.Item, { pk: { S: 'k' } });
      } finally {
        ddb.destroy();
      }
      await assert.rejects(startServer({ port: 0, inMemory: true, workers: 2 }), /each worker process would have its own separate database/);
    } finally {
      await cluster.close();
      dir.remove();
    }
  });
});
