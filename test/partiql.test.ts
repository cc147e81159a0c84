/**
 * Black-box tests of PartiQL through a real server process and the AWS SDK
 * v3: ExecuteStatement (SELECT, INSERT, UPDATE, DELETE, parameters,
 * paging, index reads, errors), BatchExecuteStatement (per-statement
 * errors) and ExecuteTransaction (atomic writes, cancellation reasons,
 * condition checks, reads, idempotency).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchExecuteStatementCommand,
  CreateTableCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { hashKeyTable, sortedTableWithGsi } from './helpers/tables.js';

let server: ServerProcess;
let ddb: DynamoDBClient;

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
  await ddb.send(new CreateTableCommand(hashKeyTable('pqt')));
  await ddb.send(new CreateTableCommand(sortedTableWithGsi('pq-sorted', 'color')));
  for (let sk = 1; sk <= 10; sk++) {
    await ddb.send(
      new PutItemCommand({
        TableName: 'pq-sorted',
        Item: { pk: { S: 'p' }, sk: { N: String(sk) }, color: { S: sk % 2 === 0 ? 'red' : 'blue' } },
      }),
    );
  }
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

const run = (Statement: string, Parameters?: AttributeValue[], extra: Record<string, unknown> = {}) =>
  ddb.send(new ExecuteStatementCommand({ Statement, Parameters, ...extra }));

async function get(pk: string) {
  return (await ddb.send(new GetItemCommand({ TableName: 'pqt', Key: { pk: { S: pk } }, ConsistentRead: true }))).Item;
}

describe('ExecuteStatement', () => {
  it('INSERTs every kind of value, and refuses to INSERT over an item', async () => {
    const out = await run(
      `INSERT INTO pqt VALUE {'pk': 'all', 's': 'x', 'n': 1.50, 'b': false, 'z': null, 'l': [1, 'a'], 'm': {'k': 'v'}, 'ss': <<'a', 'b'>>, 'bin': ?}`,
      [{ B: new Uint8Array([1, 2]) }],
    );
    assert.deepEqual(out.Items, []);
    const item = await get('all');
    assert.equal(item?.n?.N, '1.5');
    assert.equal(item?.b?.BOOL, false);
    assert.equal(item?.z?.NULL, true);
    assert.deepEqual(item?.l?.L, [{ N: '1' }, { S: 'a' }]);
    assert.equal(item?.m?.M?.k?.S, 'v');
    assert.deepEqual(item?.ss?.SS, ['a', 'b']);
    assert.deepEqual([...item!.bin!.B!], [1, 2]);
    await expectError(run(`INSERT INTO pqt VALUE {'pk': 'all'}`), 'DuplicateItemException', 'Duplicate primary key exists in table');
    await expectError(
      run(`INSERT INTO pqt VALUE {'other': 'x'}`),
      'ValidationException',
      'One or more parameter values were invalid: Missing the key pk in the item',
    );
  });

  it('SELECTs by key with projections of nested paths, filters and parameters', async () => {
    await run(`INSERT INTO pqt VALUE {'pk': 'sel', 'age': 30, 'info': {'city': 'Oslo', 'tags': ['a', 'b']}}`);
    const all = await run(`SELECT * FROM pqt WHERE pk = ?`, [{ S: 'sel' }]);
    assert.equal(all.Items?.length, 1);
    assert.equal(all.Items?.[0]?.age?.N, '30');
    const some = await run(`SELECT pk, info.city, info.tags[1] FROM "pqt" WHERE pk = 'sel'`);
    assert.deepEqual(some.Items, [{ pk: { S: 'sel' }, city: { S: 'Oslo' }, tags: { S: 'b' } }]);
    assert.deepEqual((await run(`SELECT * FROM pqt WHERE pk = 'sel' AND age > 40`)).Items, []);
    assert.equal((await run(`SELECT * FROM pqt WHERE pk = 'sel' AND age BETWEEN 20 AND 40 AND info.city IN ['Oslo']`)).Items?.length, 1);
    // `<>` on a missing attribute is MISSING in PartiQL: not a match.
    assert.deepEqual((await run(`SELECT * FROM pqt WHERE pk = 'sel' AND nothing <> 1`)).Items, []);
    assert.equal((await run(`SELECT * FROM pqt WHERE pk = 'sel' AND nothing IS MISSING`)).Items?.length, 1);
    await expectError(
      run(`SELECT * FROM pqt WHERE pk = ?`),
      'ValidationException',
      "Number of parameters in request and statement don't match.",
    );
  });

  it('scans without a key condition, and pages with Limit and NextToken', async () => {
    const seen: number[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await run(`SELECT sk FROM "pq-sorted" WHERE color = 'red' OR color = 'blue'`, undefined, { Limit: 3, NextToken });
      for (const item of page.Items ?? []) seen.push(Number(item.sk!.N));
      NextToken = page.NextToken;
      pages++;
    } while (NextToken !== undefined);
    assert.deepEqual(seen.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(pages >= 4);
    const first = await run(`SELECT * FROM "pq-sorted"`, undefined, { Limit: 2 });
    await expectError(
      run(`SELECT * FROM "pq-sorted" WHERE sk > 0`, undefined, { Limit: 2, NextToken: first.NextToken }),
      'ValidationException',
      'NextToken does not match request',
    );
    await expectError(run(`SELECT * FROM "pq-sorted"`, undefined, { NextToken: 'garbage' }), 'ValidationException', 'Invalid NextToken');
  });

  it('queries a partition in sort-key order, backwards with ORDER BY DESC, and reads an index', async () => {
    const range = await run(`SELECT sk FROM "pq-sorted" WHERE pk = 'p' AND sk BETWEEN 3 AND 6`);
    assert.deepEqual(range.Items?.map((i) => i.sk?.N), ['3', '4', '5', '6']);
    const desc = await run(`SELECT sk FROM "pq-sorted" WHERE pk = 'p' AND sk >= 8 ORDER BY sk DESC`);
    assert.deepEqual(desc.Items?.map((i) => i.sk?.N), ['10', '9', '8']);
    const reds = await run(`SELECT sk FROM "pq-sorted"."by-color" WHERE color = 'red'`);
    assert.deepEqual(reds.Items?.map((i) => i.sk?.N).sort(), ['10', '2', '4', '6', '8']);
    await expectError(
      run(`SELECT * FROM "pq-sorted"."by-color" WHERE color = 'red'`, undefined, { ConsistentRead: true }),
      'ValidationException',
      'Strongly consistent read is not supported on Global Secondary Indexes',
    );
    await expectError(run(`SELECT * FROM "pq-sorted"."nope"`), 'ValidationException', 'The table does not have the specified index');
  });

  it('UPDATEs with SET, REMOVE, arithmetic, list_append, set_add and RETURNING', async () => {
    await run(`INSERT INTO pqt VALUE {'pk': 'upd', 'n': 1, 'l': [1], 's': <<'a'>>, 'gone': 'x'}`);
    const out = await run(
      `UPDATE pqt SET n = n + 2 SET l = list_append(l, [2]), s = set_add(s, <<'b'>>), m.deep = 'no' REMOVE gone WHERE pk = 'upd' RETURNING MODIFIED NEW *`,
    ).catch((e: Error) => e);
    // m does not exist, so m.deep is not a valid update path.
    assert.ok(out instanceof Error && out.name === 'ValidationException');
    const updated = await run(
      `UPDATE pqt SET n = n + 2 SET l = list_append(l, [2]), s = set_add(s, <<'b'>>) REMOVE gone WHERE pk = 'upd' RETURNING ALL NEW *`,
    );
    const item = updated.Items?.[0];
    assert.equal(item?.n?.N, '3');
    assert.deepEqual(item?.l?.L, [{ N: '1' }, { N: '2' }]);
    assert.deepEqual([...(item?.s?.SS ?? [])].sort(), ['a', 'b']);
    assert.equal(item?.gone, undefined);
    assert.deepEqual((await get('upd'))?.n, { N: '3' });
  });

  it('refuses an UPDATE of a missing item, a failed condition, or no full key', async () => {
    await expectError(run(`UPDATE pqt SET a = 1 WHERE pk = 'missing'`), 'ConditionalCheckFailedException', 'The conditional request failed');
    assert.equal(await get('missing'), undefined);
    await run(`INSERT INTO pqt VALUE {'pk': 'cond', 'v': 1}`);
    await expectError(run(`UPDATE pqt SET v = 2 WHERE pk = 'cond' AND v = 5`), 'ConditionalCheckFailedException');
    await run(`UPDATE pqt SET v = 2 WHERE pk = 'cond' AND v = 1`);
    assert.equal((await get('cond'))?.v?.N, '2');
    await expectError(
      run(`UPDATE pqt SET v = 3 WHERE v = 2`),
      'ValidationException',
      'Where clause does not contain a mandatory equality on all key attributes',
    );
    await expectError(
      run(`UPDATE "pq-sorted" SET v = 3 WHERE pk = 'p'`),
      'ValidationException',
      'Where clause does not contain a mandatory equality on all key attributes',
    );
  });

  it('DELETEs, quietly for a missing item, and RETURNING ALL OLD *', async () => {
    await run(`INSERT INTO pqt VALUE {'pk': 'del', 'v': 'old'}`);
    const out = await run(`DELETE FROM pqt WHERE pk = 'del' RETURNING ALL OLD *`);
    assert.deepEqual(out.Items, [{ pk: { S: 'del' }, v: { S: 'old' } }]);
    assert.equal(await get('del'), undefined);
    assert.deepEqual((await run(`DELETE FROM pqt WHERE pk = 'del'`)).Items, []);
    await expectError(
      run(`DELETE FROM pqt WHERE pk = 'del' RETURNING ALL NEW *`),
      'ValidationException',
      'Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.',
    );
  });

  it('reports syntax errors, unknown tables and consumed capacity as DynamoDB does', async () => {
    await expectError(run(`SELECTT * FROMM pq`), 'ValidationException', "Statement wasn't well formed, can't be processed: Expected data manipulation");
    await expectError(run(`SELECT * FROM pqt WHERE`), 'ValidationException', /^Statement wasn't well formed, can't be processed: /);
    await expectError(run(`SELECT * FROM "no-such-table" WHERE pk = 'x'`), 'ResourceNotFoundException', 'Requested resource not found');
    const read = await run(`SELECT * FROM pqt WHERE pk = 'sel'`, undefined, { ReturnConsumedCapacity: 'TOTAL' });
    assert.deepEqual(read.ConsumedCapacity, { TableName: 'pqt', CapacityUnits: 0.5 });
    const write = await run(`INSERT INTO pqt VALUE {'pk': 'cap'}`, undefined, { ReturnConsumedCapacity: 'TOTAL' });
    assert.deepEqual(write.ConsumedCapacity, { TableName: 'pqt', CapacityUnits: 1 });
  });
});

describe('BatchExecuteStatement', () => {
  it('runs reads and reports each statement on its own', async () => {
    await run(`INSERT INTO pqt VALUE {'pk': 'b1', 'v': 1}`);
    const out = await ddb.send(
      new BatchExecuteStatementCommand({
        Statements: [
          { Statement: `SELECT v FROM pqt WHERE pk = 'b1'` },
          { Statement: `SELECT * FROM pqt WHERE pk = ?`, Parameters: [{ S: 'nobody' }] },
          { Statement: `SELECT * FROM "no-such-table" WHERE pk = 'x'` },
          { Statement: `SELECT * FROM pqt WHERE v = 1` },
          { Statement: `SELECT * FROM` },
        ],
      }),
    );
    const r = out.Responses!;
    assert.deepEqual(r[0], { TableName: 'pqt', Item: { v: { N: '1' } } });
    assert.deepEqual(r[1], { TableName: 'pqt' });
    assert.equal(r[2]?.Error?.Code, 'ResourceNotFound');
    assert.deepEqual(r[3]?.Error, {
      Code: 'ValidationError',
      Message: 'Select statements within BatchExecuteStatement must specify the primary key in the where clause.',
    });
    assert.equal(r[4]?.Error?.Code, 'ValidationError');
  });

  it('runs writes independently, each failing in its place', async () => {
    await run(`INSERT INTO pqt VALUE {'pk': 'bw-dup'}`);
    const out = await ddb.send(
      new BatchExecuteStatementCommand({
        Statements: [
          { Statement: `INSERT INTO pqt VALUE {'pk': 'bw-new'}` },
          { Statement: `INSERT INTO pqt VALUE {'pk': 'bw-dup'}` },
          { Statement: `UPDATE pqt SET v = 1 WHERE pk = 'bw-missing'` },
        ],
      }),
    );
    const r = out.Responses!;
    assert.deepEqual(r[0], { TableName: 'pqt' });
    assert.deepEqual(r[1]?.Error, { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' });
    assert.equal(r[2]?.Error?.Code, 'ConditionalCheckFailed');
    assert.ok(await get('bw-new'));
  });

  it('refuses mixed batches, repeated items and more than 25 statements', async () => {
    await expectError(
      ddb.send(
        new BatchExecuteStatementCommand({
          Statements: [{ Statement: `SELECT * FROM pqt WHERE pk = 'a'` }, { Statement: `INSERT INTO pqt VALUE {'pk': 'zz'}` }],
        }),
      ),
      'ValidationException',
      'Read and write requests together in the same batch is not supported.',
    );
    await expectError(
      ddb.send(
        new BatchExecuteStatementCommand({
          Statements: [{ Statement: `SELECT * FROM pqt WHERE pk = 'a'` }, { Statement: `SELECT v FROM pqt WHERE pk = 'a'` }],
        }),
      ),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
    await expectError(
      ddb.send(
        new BatchExecuteStatementCommand({
          Statements: Array.from({ length: 26 }, (_, i) => ({ Statement: `SELECT * FROM pqt WHERE pk = '${i}'` })),
        }),
      ),
      'ValidationException',
      /Member must have length less than or equal to 25$/,
    );
  });
});

describe('ExecuteTransaction', () => {
  it('applies writes atomically, with condition checks', async () => {
    await run(`INSERT INTO pqt VALUE {'pk': 'tx-upd', 'v': 1}`);
    await ddb.send(
      new ExecuteTransactionCommand({
        TransactStatements: [
          { Statement: `INSERT INTO pqt VALUE {'pk': 'tx-new', 'v': ?}`, Parameters: [{ N: '5' }] },
          { Statement: `UPDATE pqt SET v = v + 1 WHERE pk = 'tx-upd'` },
          { Statement: `EXISTS(SELECT * FROM pqt WHERE pk = 'b1' AND v = 1)` },
          { Statement: `NOT EXISTS(SELECT * FROM pqt WHERE pk = 'never-there')` },
        ],
      }),
    );
    assert.equal((await get('tx-new'))?.v?.N, '5');
    assert.equal((await get('tx-upd'))?.v?.N, '2');
  });

  it('cancels everything with reasons per statement', async () => {
    const err = (await expectError(
      ddb.send(
        new ExecuteTransactionCommand({
          TransactStatements: [
            { Statement: `INSERT INTO pqt VALUE {'pk': 'tx-rollback'}` },
            { Statement: `INSERT INTO pqt VALUE {'pk': 'tx-new'}` },
            { Statement: `UPDATE pqt SET v = 1 WHERE pk = 'tx-missing'` },
            { Statement: `EXISTS(SELECT * FROM pqt WHERE pk = 'b1' AND v = 2)` },
          ],
        }),
      ),
      'TransactionCanceledException',
    )) as unknown as TransactionCanceledException;
    assert.deepEqual(err.CancellationReasons?.map((r) => r.Code), ['None', 'DuplicateItem', 'ConditionalCheckFailed', 'ConditionalCheckFailed']);
    assert.equal(
      err.message,
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem, ConditionalCheckFailed, ConditionalCheckFailed]',
    );
    assert.equal(await get('tx-rollback'), undefined);
  });

  it('reads a consistent set of items', async () => {
    const out = await ddb.send(
      new ExecuteTransactionCommand({
        TransactStatements: [
          { Statement: `SELECT v FROM pqt WHERE pk = 'tx-upd'` },
          { Statement: `SELECT * FROM pqt WHERE pk = 'nobody-here'` },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(out.Responses, [{ Item: { v: { N: '2' } } }, {}]);
    assert.deepEqual(out.ConsumedCapacity, [{ TableName: 'pqt', CapacityUnits: 4, ReadCapacityUnits: 4 }]);
  });

  it('refuses mixed transactions, RETURNING, repeated items, and applies a token once', async () => {
    await expectError(
      ddb.send(
        new ExecuteTransactionCommand({
          TransactStatements: [{ Statement: `SELECT * FROM pqt WHERE pk = 'a'` }, { Statement: `DELETE FROM pqt WHERE pk = 'b'` }],
        }),
      ),
      'ValidationException',
      'ExecuteTransaction API does not support both read and write operations in the same request.',
    );
    await expectError(
      ddb.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `DELETE FROM pqt WHERE pk = 'b' RETURNING ALL OLD *` }] })),
      'ValidationException',
      'Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction.',
    );
    await expectError(
      ddb.send(
        new ExecuteTransactionCommand({
          TransactStatements: [{ Statement: `DELETE FROM pqt WHERE pk = 'b'` }, { Statement: `UPDATE pqt SET x = 1 WHERE pk = 'b'` }],
        }),
      ),
      'ValidationException',
      'Transaction request cannot include multiple operations on one item',
    );
    const request = {
      ClientRequestToken: 'pq-token',
      TransactStatements: [{ Statement: `UPDATE pqt SET v = v + 10 WHERE pk = 'tx-upd'` }],
    };
    await ddb.send(new ExecuteTransactionCommand(request));
    await ddb.send(new ExecuteTransactionCommand(request));
    assert.equal((await get('tx-upd'))?.v?.N, '12');
    await expectError(
      ddb.send(
        new ExecuteTransactionCommand({ ...request, TransactStatements: [{ Statement: `UPDATE pqt SET v = 0 WHERE pk = 'tx-upd'` }] }),
      ),
      'IdempotentParameterMismatchException',
    );
  });
});
