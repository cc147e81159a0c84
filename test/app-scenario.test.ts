/**
 * A realistic application against openddb, written the way a typical
 * backend uses DynamoDB: a project tracker with two tables, GSIs and an
 * LSI. Projects are created with a condition, listed by owner through a GSI
 * page by page, tasks are batch-written, updated (moving between GSI
 * partitions), listed by assignee with a filter, deleted only when done,
 * and read back in batches. The same scenario runs through the JS SDK v3
 * and through boto3 (resource API, paginators, batch_writer, conditions).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  paginateQuery,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { boto3Available, CLIENT_ENV } from './helpers/other-clients.js';
import { client, expectError, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { defineTable } from './helpers/tables.js';

type Item = Record<string, AttributeValue>;
const run = promisify(execFile);

let server: ServerProcess;
let ddb: DynamoDBClient;

function schema(prefix: string): CreateTableCommandInput[] {
  return [
    defineTable(`${prefix}projects`, 'projectId:S', { gsi: { 'by-owner': 'ownerId:S createdAt:N' } }),
    defineTable(`${prefix}tasks`, 'projectId:S taskId:S', {
      gsi: { 'by-assignee': { key: 'assignee:S dueAt:N', projection: ['title', 'done'] } },
      lsi: { 'by-priority': { key: 'projectId:S priority:N', projection: 'KEYS_ONLY' } },
    }),
  ];
}

before(async () => {
  server = await startServerProcess();
  ddb = client(server.url);
});
after(async () => {
  ddb.destroy();
  await server.stop();
});

describe('a project tracker through the JS SDK', () => {
  before(async () => {
    for (const input of schema('js_')) await ddb.send(new CreateTableCommand(input));
  });

  const createProject = (projectId: string, ownerId: string, createdAt: number, name: string) =>
    ddb.send(
      new PutItemCommand({
        TableName: 'js_projects',
        Item: {
          projectId: { S: projectId },
          ownerId: { S: ownerId },
          createdAt: { N: String(createdAt) },
          name: { S: name },
        },
        ConditionExpression: 'attribute_not_exists(projectId)',
      }),
    );

  it('creates projects once and lists an owner’s projects newest first, page by page', async () => {
    for (let i = 0; i < 7; i++) await createProject(`p${i}`, i % 2 === 0 ? 'alice' : 'bob', 1000 + i, `Project ${i}`);
    await expectError(createProject('p0', 'mallory', 1, 'hijack'), 'ConditionalCheckFailedException', 'The conditional request failed');
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateQuery(
      { client: ddb, pageSize: 2 },
      {
        TableName: 'js_projects',
        IndexName: 'by-owner',
        KeyConditionExpression: 'ownerId = :o',
        ExpressionAttributeValues: { ':o': { S: 'alice' } },
        ScanIndexForward: false,
      },
    )) {
      pages++;
      names.push(...page.Items!.map((i) => i.name!.S!));
    }
    assert.deepEqual(names, ['Project 6', 'Project 4', 'Project 2', 'Project 0']);
    assert.equal(pages, 3, 'two full pages, then an empty one after the LastEvaluatedKey of the last item');
  });

  it('batch-writes tasks, updates and reassigns them, and lists open work by assignee', async () => {
    const tasks: Item[] = Array.from({ length: 30 }, (_, i) => ({
      projectId: { S: i < 20 ? 'p0' : 'p1' },
      taskId: { S: `t${String(i).padStart(2, '0')}` },
      title: { S: `Task ${i}` },
      assignee: { S: i % 3 === 0 ? 'carol' : 'dave' },
      dueAt: { N: String(100 - i) },
      priority: { N: String(i % 4) },
      done: { BOOL: false },
      description: { S: `details of task ${i}` },
    }));
    for (let i = 0; i < tasks.length; i += 25) {
      const r = await ddb.send(
        new BatchWriteItemCommand({
          RequestItems: { js_tasks: tasks.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      assert.deepEqual(r.UnprocessedItems, {});
    }
    const done = await ddb.send(
      new UpdateItemCommand({
        TableName: 'js_tasks',
        Key: { projectId: { S: 'p0' }, taskId: { S: 't03' } },
        UpdateExpression: 'SET done = :t, #n = :note',
        ExpressionAttributeNames: { '#n': 'note' },
        ExpressionAttributeValues: { ':t': { BOOL: true }, ':note': { S: 'shipped' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    assert.equal(done.Attributes!.done!.BOOL, true);
    // Reassigning moves the task to another partition of the GSI.
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'js_tasks',
        Key: { projectId: { S: 'p0' }, taskId: { S: 't06' } },
        UpdateExpression: 'SET assignee = :a',
        ExpressionAttributeValues: { ':a': { S: 'dave' } },
      }),
    );
    const open: Item[] = [];
    for await (const page of paginateQuery(
      { client: ddb, pageSize: 4 },
      {
        TableName: 'js_tasks',
        IndexName: 'by-assignee',
        KeyConditionExpression: 'assignee = :a AND dueAt BETWEEN :from AND :to',
        FilterExpression: 'done = :f',
        ExpressionAttributeValues: { ':a': { S: 'carol' }, ':from': { N: '0' }, ':to': { N: '100' }, ':f': { BOOL: false } },
      },
    )) {
      open.push(...page.Items!);
    }
    // carol had t00, t03, ..., t27; t03 is done and t06 went to dave. Soonest due first.
    assert.deepEqual(
      open.map((i) => i.title!.S),
      ['Task 27', 'Task 24', 'Task 21', 'Task 18', 'Task 15', 'Task 12', 'Task 9', 'Task 0'],
    );
    assert.deepEqual(Object.keys(open[0]!).sort(), ['assignee', 'done', 'dueAt', 'projectId', 'taskId', 'title']);
  });

  it('deletes a task only when it is done', async () => {
    const remove = (taskId: string) =>
      ddb.send(
        new DeleteItemCommand({
          TableName: 'js_tasks',
          Key: { projectId: { S: 'p0' }, taskId: { S: taskId } },
          ConditionExpression: 'done = :t',
          ExpressionAttributeValues: { ':t': { BOOL: true } },
        }),
      );
    await expectError(remove('t04'), 'ConditionalCheckFailedException', 'The conditional request failed');
    await remove('t03');
    const left = await ddb.send(
      new QueryCommand({
        TableName: 'js_tasks',
        KeyConditionExpression: 'projectId = :p AND begins_with(taskId, :t0)',
        ExpressionAttributeValues: { ':p': { S: 'p0' }, ':t0': { S: 't0' } },
        ProjectionExpression: 'taskId',
      }),
    );
    assert.deepEqual(left.Items!.map((i) => i.taskId!.S), ['t00', 't01', 't02', 't04', 't05', 't06', 't07', 't08', 't09']);
  });

  it('lists a project’s tasks by priority through the LSI and loads them in one batch', async () => {
    const urgent = await ddb.send(
      new QueryCommand({
        TableName: 'js_tasks',
        IndexName: 'by-priority',
        KeyConditionExpression: 'projectId = :p AND priority >= :min',
        ExpressionAttributeValues: { ':p': { S: 'p0' }, ':min': { N: '3' } },
        ConsistentRead: true,
      }),
    );
    const keys = urgent.Items!.map((i) => ({ projectId: i.projectId!, taskId: i.taskId! }));
    assert.deepEqual(keys.map((k) => k.taskId.S), ['t07', 't11', 't15', 't19']);
    const loaded = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          js_tasks: { Keys: keys, ProjectionExpression: 'taskId, title, description' },
          js_projects: { Keys: [{ projectId: { S: 'p0' } }] },
        },
      }),
    );
    assert.equal(loaded.Responses!.js_projects![0]!.name!.S, 'Project 0');
    assert.deepEqual(
      loaded.Responses!.js_tasks!.map((t) => t.description!.S).sort(),
      ['details of task 11', 'details of task 15', 'details of task 19', 'details of task 7'],
    );
  });
});

const BOTO3_SCRIPT = String.raw`
import sys, boto3
from decimal import Decimal
from boto3.dynamodb.conditions import Key, Attr
from botocore.exceptions import ClientError

url = sys.argv[1]
client = boto3.client('dynamodb', endpoint_url=url)
dynamodb = boto3.resource('dynamodb', endpoint_url=url)
import json
for spec in json.loads(sys.argv[2]):
    client.create_table(**spec)
projects = dynamodb.Table('py_projects')
tasks = dynamodb.Table('py_tasks')

for i in range(7):
    projects.put_item(Item={'projectId': 'p%d' % i, 'ownerId': 'alice' if i % 2 == 0 else 'bob',
                            'createdAt': 1000 + i, 'name': 'Project %d' % i},
                      ConditionExpression=Attr('projectId').not_exists())
try:
    projects.put_item(Item={'projectId': 'p0', 'ownerId': 'mallory', 'createdAt': 1, 'name': 'x'},
                      ConditionExpression=Attr('projectId').not_exists())
    raise SystemExit('duplicate create was accepted')
except ClientError as e:
    assert e.response['Error']['Code'] == 'ConditionalCheckFailedException', e.response

paginator = client.get_paginator('query')
names = []
for page in paginator.paginate(TableName='py_projects', IndexName='by-owner',
                               KeyConditionExpression='ownerId = :o',
                               ExpressionAttributeValues={':o': {'S': 'alice'}},
                               ScanIndexForward=False, PaginationConfig={'PageSize': 2}):
    names += [item['name']['S'] for item in page['Items']]
assert names == ['Project 6', 'Project 4', 'Project 2', 'Project 0'], names

with tasks.batch_writer() as batch:
    for i in range(30):
        batch.put_item(Item={'projectId': 'p0' if i < 20 else 'p1', 'taskId': 't%02d' % i,
                             'title': 'Task %d' % i, 'assignee': 'carol' if i % 3 == 0 else 'dave',
                             'dueAt': 100 - i, 'priority': i % 4, 'done': False,
                             'estimate': Decimal('1.5') * i})

updated = tasks.update_item(Key={'projectId': 'p0', 'taskId': 't03'},
                            UpdateExpression='SET done = :t', ExpressionAttributeValues={':t': True},
                            ReturnValues='ALL_NEW')['Attributes']
assert updated['done'] is True and updated['estimate'] == Decimal('4.5'), updated
tasks.update_item(Key={'projectId': 'p0', 'taskId': 't06'}, UpdateExpression='SET assignee = :a',
                  ExpressionAttributeValues={':a': 'dave'})

open_titles, start = [], None
while True:
    kwargs = {'IndexName': 'by-assignee', 'Limit': 4,
              'KeyConditionExpression': Key('assignee').eq('carol') & Key('dueAt').between(0, 100),
              'FilterExpression': Attr('done').eq(False)}
    if start:
        kwargs['ExclusiveStartKey'] = start
    page = tasks.query(**kwargs)
    open_titles += [item['title'] for item in page['Items']]
    start = page.get('LastEvaluatedKey')
    if not start:
        break
assert open_titles == ['Task 27', 'Task 24', 'Task 21', 'Task 18', 'Task 15', 'Task 12', 'Task 9', 'Task 0'], open_titles

try:
    tasks.delete_item(Key={'projectId': 'p0', 'taskId': 't04'}, ConditionExpression=Attr('done').eq(True))
    raise SystemExit('deleted an open task')
except ClientError as e:
    assert e.response['Error']['Code'] == 'ConditionalCheckFailedException', e.response
tasks.delete_item(Key={'projectId': 'p0', 'taskId': 't03'}, ConditionExpression=Attr('done').eq(True))

left = tasks.query(KeyConditionExpression=Key('projectId').eq('p0') & Key('taskId').begins_with('t0'),
                   ProjectionExpression='taskId')['Items']
assert [t['taskId'] for t in left] == ['t00', 't01', 't02', 't04', 't05', 't06', 't07', 't08', 't09'], left

urgent = tasks.query(IndexName='by-priority', ConsistentRead=True,
                     KeyConditionExpression=Key('projectId').eq('p0') & Key('priority').gte(3))['Items']
keys = [{'projectId': t['projectId'], 'taskId': t['taskId']} for t in urgent]
assert [k['taskId'] for k in keys] == ['t07', 't11', 't15', 't19'], keys
got = dynamodb.batch_get_item(RequestItems={
    'py_tasks': {'Keys': keys, 'ProjectionExpression': 'taskId, estimate'},
    'py_projects': {'Keys': [{'projectId': 'p0'}]}})
assert got['UnprocessedKeys'] == {}, got
assert got['Responses']['py_projects'][0]['name'] == 'Project 0'
assert sorted(t['estimate'] for t in got['Responses']['py_tasks']) == [Decimal('10.5'), Decimal('16.5'), Decimal('22.5'), Decimal('28.5')]

total = 0
for page in client.get_paginator('scan').paginate(TableName='py_tasks', Select='COUNT',
                                                  PaginationConfig={'PageSize': 7}):
    total += page['Count']
assert total == 29, total
print('ok')
`;

describe('the same project tracker through boto3', async () => {
  const available = await boto3Available();
  it('runs end to end', { skip: !available && 'python3 with boto3 is not installed' }, async () => {
    const { stdout } = await run('python3', ['-c', BOTO3_SCRIPT, server.url, JSON.stringify(schema('py_'))], {
      env: CLIENT_ENV,
      timeout: 120_000,
    });
    assert.equal(stdout.trim(), 'ok');
  });
});
