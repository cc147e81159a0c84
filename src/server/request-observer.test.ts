/**
 * @module server/request-observer.test
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoError } from '../errors/index.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import { RequestObserver, tableOf } from './request-observer.js';

const DDB = 'com.amazonaws.dynamodb.v20120810#';

function observer(logLevel: 'error' | 'warn' | 'info' | 'debug' = 'warn', slowMs = 1000) {
  const lines: Record<string, unknown>[] = [];
  const metrics = new ServerMetrics();
  const o = new RequestObserver({ metrics, log: (l) => lines.push(JSON.parse(l) as Record<string, unknown>), logLevel, slowMs });
  return { o, metrics, lines };
}

describe('tableOf', () => {
  it('reads TableName, and a table ARN as its name', () => {
    assert.equal(tableOf({ TableName: 'orders' }), 'orders');
    assert.equal(tableOf({ TableName: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders' }), 'orders');
    assert.equal(tableOf({ TableName: 'arn:aws:dynamodb:us-east-1:123456789012:stream/x' }), '');
    assert.equal(tableOf({ RequestItems: {} }), '');
    assert.equal(tableOf({ TableName: 7 }), '');
    assert.equal(tableOf(undefined), '');
    assert.equal(tableOf({ TableName: 'x'.repeat(256) }), '');
  });
});

describe('RequestObserver', () => {
  it('classifies errors as CloudWatch does', () => {
    const { o, metrics } = observer();
    const input = { TableName: 't' };
    o.failed('PutItem', input, new DynamoError(`${DDB}ConditionalCheckFailedException`, 'x'), o.now(), 'r1');
    o.failed('PutItem', input, new DynamoError(`${DDB}ResourceNotFoundException`, 'x'), o.now(), 'r2');
    o.failed('PutItem', input, new DynamoError(`${DDB}TransactionConflictException`, 'x'), o.now(), 'r3');
    o.failed('PutItem', input, new DynamoError(`${DDB}ProvisionedThroughputExceededException`, 'x'), o.now(), 'r4');
    o.failed('PutItem', input, new DynamoError(`${DDB}InternalServerError`, 'x', 500), o.now(), 'r5');
    o.failed(
      'TransactWriteItems',
      {},
      new DynamoError(`${DDB}TransactionCanceledException`, 'x', 400, { CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }] }),
      o.now(),
      'r6',
    );
    const t = metrics.table('t');
    assert.equal(t.conditionalCheckFailed.value, 1);
    assert.equal(t.transactionConflict.value, 1);
    assert.equal(metrics.table('').transactionConflict.value, 1);
    assert.equal(t.operation('PutItem').throttled.value, 1);
    assert.equal(t.operation('PutItem').systemErrors.value, 1);
    // ResourceNotFound, TransactionConflict and the cancellation: user errors; not the condition nor throttling.
    assert.equal(metrics.userErrors.value, 3);
  });

  it('logs by level: 500s at error, slow at warn, client errors at info, the rest at debug', () => {
    const input = { TableName: 't' };
    const clientError = new DynamoError(`${DDB}ResourceNotFoundException`, 'secret value in message');
    const warn = observer('warn');
    warn.o.succeeded('GetItem', input, warn.o.now(), 'a');
    warn.o.failed('GetItem', input, clientError, warn.o.now(), 'b');
    warn.o.crashed('GetItem', input, new Error('boom'), warn.o.now(), 'c');
    warn.o.succeeded('GetItem', input, warn.o.now() - 5000, 'd');
    assert.deepEqual(
      warn.lines.map((l) => [l.requestId, l.level, l.msg]),
      [
        ['c', 'error', 'internal error'],
        ['d', 'warn', 'slow request'],
      ],
    );
    assert.equal(warn.metrics.table('t').operation('GetItem').latency.count, 2);

    const info = observer('info');
    info.o.failed('GetItem', input, clientError, info.o.now(), 'b');
    assert.equal(info.lines.length, 1);
    assert.equal(info.lines[0]!.errorType, 'ResourceNotFoundException');
    assert.ok(!JSON.stringify(info.lines).includes('secret'), 'error messages are not logged');

    const debug = observer('debug');
    debug.o.succeeded('GetItem', input, debug.o.now(), 'a');
    assert.equal(debug.lines[0]!.level, 'debug');

    const error = observer('error', 0);
    error.o.succeeded('GetItem', input, error.o.now(), 'a');
    error.o.failed('GetItem', input, clientError, error.o.now(), 'b');
    assert.equal(error.lines.length, 0);
  });
});
