/**
 * Clients other than the JS SDK: boto3 (this machine's Python) and the AWS
 * CLI, against a real server process. botocore verifies x-amz-crc32.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { awsCliAvailable, boto3Available, CLIENT_ENV } from './helpers/other-clients.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const run = promisify(execFile);
let server: ServerProcess;

const hasBoto3 = await boto3Available();
const hasAwsCli = await awsCliAvailable();

before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await server.stop();
});

const BOTO3_SCRIPT = `
import sys, boto3
ddb = boto3.client('dynamodb', endpoint_url=sys.argv[1])
ddb.create_table(TableName='boto', AttributeDefinitions=[{'AttributeName':'pk','AttributeType':'S'}],
  KeySchema=[{'AttributeName':'pk','KeyType':'HASH'}], BillingMode='PAY_PER_REQUEST')
ddb.get_waiter('table_exists').wait(TableName='boto', WaiterConfig={'Delay':1,'MaxAttempts':5})
ddb.put_item(TableName='boto', Item={'pk':{'S':'a'},'n':{'N':'1.50'}})
item = ddb.get_item(TableName='boto', Key={'pk':{'S':'a'}})['Item']
assert item['n'] == {'N':'1.5'}, item
try:
    ddb.get_item(TableName='missing_table', Key={'pk':{'S':'a'}})
    raise SystemExit('expected ResourceNotFoundException')
except ddb.exceptions.ResourceNotFoundException:
    pass
res = boto3.resource('dynamodb', endpoint_url=sys.argv[1]).Table('boto')
res.put_item(Item={'pk':'b','list':[1,'two',{'three':True}]})
assert res.get_item(Key={'pk':'b'})['Item']['list'][2] == {'three': True}
print('ok', sorted(ddb.list_tables()['TableNames']))
`;

describe('other clients', () => {
  it('boto3 creates a table, writes and reads items, and maps errors', { skip: !hasBoto3 && 'python3 with boto3 is not installed' }, async () => {
    const { stdout } = await run('python3', ['-c', BOTO3_SCRIPT, server.url], { env: CLIENT_ENV, timeout: 60_000 });
    assert.match(stdout, /^ok \[.*'boto'.*\]/);
  });

  it('the AWS CLI lists tables', { skip: !hasAwsCli && 'the AWS CLI is not installed' }, async () => {
    const { stdout } = await run('aws', ['dynamodb', 'list-tables', '--endpoint-url', server.url, '--output', 'json'], {
      env: CLIENT_ENV,
      timeout: 60_000,
    });
    assert.ok(Array.isArray((JSON.parse(stdout) as { TableNames: unknown }).TableNames));
  });
});
