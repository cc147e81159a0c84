/**
 * Black-box tests of the operators' commands: `openddb backup TABLE`,
 * `openddb restore` against a running server, and `openddb backup --data`
 * copying a data directory while a server serves it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CLI, client, startServerProcess, tempDir, variantPass } from './helpers/server-process.js';
import { hashKeyTable } from './helpers/tables.js';
import { putAll, scanAll } from './helpers/backups.js';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('openddb backup and openddb restore', { skip: variantPass() }, () => {
  const dir = tempDir('openddb-backup-cli-');
  after(() => dir.remove());

  it('back up and restore a table through a running server, and copy its data directory while it serves', async () => {
    const server = await startServerProcess({ dataDir: join(dir.path, 'data'), workers: 1 });
    const ddb = client(server.url);
    try {
      await ddb.send(new CreateTableCommand(hashKeyTable('cli_src')));
      await putAll(ddb, 'cli_src', Array.from({ length: 120 }, (_, i) => ({ pk: { S: `k${i}` }, n: { N: String(i) } })));
      const expected = await scanAll(ddb, 'cli_src');

      const backup = await run(['backup', 'cli_src', '--name', 'nightly', '--endpoint', server.url]);
      assert.equal(backup.code, 0, backup.stderr);
      const arn = /^(arn:aws:dynamodb:\S+\/backup\/\S+) AVAILABLE/.exec(backup.stdout)?.[1];
      assert.ok(arn, backup.stdout);
      const restored = await run(['restore', '--backup', arn, '--to', 'cli_dst', '--endpoint', server.url]);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /cli_dst ACTIVE, 120 items/);
      assert.deepEqual(await scanAll(ddb, 'cli_dst'), expected);

      const refused = await run(['restore', 'cli_src', '--to', 'cli_pitr', '--latest', '--endpoint', server.url]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /PointInTimeRecoveryUnavailableException/);
      assert.equal((await run(['restore', '--to', 'x', '--endpoint', server.url])).code, 2);

      const copy = await run(['backup', '--data', join(dir.path, 'data'), '--to', join(dir.path, 'copy')]);
      assert.equal(copy.code, 0, copy.stderr);
    } finally {
      ddb.destroy();
      await server.stop();
    }
    const fromCopy = await startServerProcess({ dataDir: join(dir.path, 'copy'), workers: 1 });
    const again = client(fromCopy.url);
    try {
      assert.equal((await scanAll(again, 'cli_src')).length, 120);
      assert.equal((await scanAll(again, 'cli_dst')).length, 120);
    } finally {
      again.destroy();
      await fromCopy.stop();
    }
  });
});
