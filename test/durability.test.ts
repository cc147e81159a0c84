/**
 * Durability, black-box: acknowledged writes survive `kill -9` of the server
 * process, and the data files open cleanly afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, tempDir } from './helpers/server-process.js';
import { hashKeyTable } from './helpers/tables.js';

describe('durability', () => {
  it('keeps data across a clean restart', async () => {
    const dir = tempDir();
    try {
      let server = await startServerProcess({ dataDir: dir.path });
      let ddb = client(server.url);
      await ddb.send(new CreateTableCommand(hashKeyTable('restart')));
      await ddb.send(new PutItemCommand({ TableName: 'restart', Item: { pk: { S: 'k' }, v: { N: '42' } } }));
      ddb.destroy();
      assert.equal(await server.stop(), 0);
      server = await startServerProcess({ dataDir: dir.path });
      ddb = client(server.url);
      const got = await ddb.send(new GetItemCommand({ TableName: 'restart', Key: { pk: { S: 'k' } } }));
      assert.equal(got.Item!.v!.N, '42');
      ddb.destroy();
      await server.stop();
    } finally {
      dir.remove();
    }
  });

  it('loses no acknowledged write when the server is killed with SIGKILL', async () => {
    const dir = tempDir();
    try {
      let server = await startServerProcess({ dataDir: dir.path });
      let ddb = client(server.url);
      await ddb.send(new CreateTableCommand(hashKeyTable('crash')));
      const acknowledged: string[] = [];
      let stop = false;
      const payload = 'p'.repeat(2000);
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const pk = `w${w}-${i}`;
          try {
            await ddb.send(new PutItemCommand({ TableName: 'crash', Item: { pk: { S: pk }, data: { S: payload }, i: { N: String(i) } } }));
            acknowledged.push(pk);
          } catch {
            return; // the server died under this request: it was never acknowledged
          }
        }
      };
      const writers = Array.from({ length: 16 }, (_, w) => writer(w));
      await new Promise((resolve) => setTimeout(resolve, 700));
      await server.kill();
      stop = true;
      await Promise.all(writers);
      ddb.destroy();
      assert.ok(acknowledged.length > 20, `only ${acknowledged.length} writes were acknowledged before the kill`);

      server = await startServerProcess({ dataDir: dir.path });
      ddb = client(server.url);
      assert.ok((await ddb.send(new ListTablesCommand({}))).TableNames!.includes('crash'));
      for (const pk of acknowledged) {
        const got = await ddb.send(new GetItemCommand({ TableName: 'crash', Key: { pk: { S: pk } } }));
        assert.ok(got.Item !== undefined, `acknowledged item ${pk} is missing after kill -9`);
        assert.equal(got.Item!.data!.S, payload, `item ${pk} is torn`);
      }
      ddb.destroy();
      await server.stop();
    } finally {
      dir.remove();
    }
  });
});
