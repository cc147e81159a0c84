/**
 * Black-box tests of `openddb apply` (and `serve --apply`): the AWS
 * documentation's example templates (test/fixtures/templates) applied to a
 * real server, checked with DescribeTable; dry runs; updates computed as
 * diffs and applied in DynamoDB's order; refusals that change nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { client, startServerProcess, tempDir, variantPass, type ServerProcess } from './helpers/server-process.js';
import { runCli } from './helpers/run-cli.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, '..', '..', 'test', 'fixtures', 'templates');
const fixture = (name: string) => join(FIXTURES, name);

async function describeTable(ddb: DynamoDBClient, name: string) {
  return (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
}

async function tagsOf(ddb: DynamoDBClient, arn: string): Promise<Record<string, string>> {
  const { Tags } = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  return Object.fromEntries((Tags ?? []).map((t) => [t.Key!, t.Value!]));
}

describe('openddb apply', { skip: variantPass() }, () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  const dir = tempDir('openddb-tools-apply-');
  const apply = (...args: string[]) => runCli(['apply', ...args, '--endpoint', server.url]);

  before(async () => {
    server = await startServerProcess();
    ddb = client(server.url);
  });
  after(async () => {
    ddb?.destroy();
    await server?.stop();
    dir.remove();
  });

  it('the DependsOn example (YAML, parameters, !Ref, !Sub, !If): GSIs, an LSI, provisioned throughput, tags', async () => {
    const r = await apply(fixture('cfn-depends-on.yaml'), '--stack-name', 'demo');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /table demo-myFirstDDBTable \(Resources\.myFirstDDBTable\): create/);
    const first = await describeTable(ddb, 'demo-myFirstDDBTable');
    assert.deepEqual(first.KeySchema, [
      { AttributeName: 'Album', KeyType: 'HASH' },
      { AttributeName: 'Artist', KeyType: 'RANGE' },
    ]);
    assert.equal(first.ProvisionedThroughput!.ReadCapacityUnits, 5);
    assert.equal(first.ProvisionedThroughput!.WriteCapacityUnits, 10);
    const gsis = Object.fromEntries(first.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g]));
    assert.deepEqual(Object.keys(gsis).sort(), ['myGSI', 'myGSI2']);
    assert.deepEqual(gsis.myGSI!.Projection, { ProjectionType: 'INCLUDE', NonKeyAttributes: ['Album', 'NumberOfSongs'] });
    assert.equal(gsis.myGSI!.IndexStatus, 'ACTIVE');
    assert.equal(first.LocalSecondaryIndexes![0]!.IndexName, 'myLSI');
    assert.deepEqual(await tagsOf(ddb, first.TableArn!), { Environment: 'dev' });
    const second = await describeTable(ddb, 'demo-second-dev');
    assert.equal(second.GlobalSecondaryIndexes![0]!.Projection!.ProjectionType, 'KEYS_ONLY');
  });

  it('the on-demand JSON example: stream, TTL, SSE, a tag from Fn::Join and AWS::Region', async () => {
    const r = await apply(fixture('cfn-on-demand.json'));
    assert.equal(r.code, 0, r.stderr);
    const t = await describeTable(ddb, 'GameScores');
    assert.equal(t.BillingModeSummary!.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(t.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'GameScores' }));
    assert.equal(ttl.TimeToLiveDescription!.AttributeName, 'TimeToExist');
    assert.match(ttl.TimeToLiveDescription!.TimeToLiveStatus!, /^ENABL/);
    assert.deepEqual(await tagsOf(ddb, t.TableArn!), { Name: 'game-scores-us-east-1' });
  });

  it('SAM SimpleTable: a named key with throughput, and the bare default; other resources are ignored', async () => {
    const r = await apply(fixture('sam-simple-table.yaml'));
    assert.equal(r.code, 0, r.stderr);
    const simple = await describeTable(ddb, 'sam-simple');
    assert.equal(simple.ProvisionedThroughput!.ReadCapacityUnits, 5);
    assert.deepEqual(await tagsOf(ddb, simple.TableArn!), { Department: 'Engineering', AppType: 'Serverless' });
    const dflt = await describeTable(ddb, 'DefaultTable');
    assert.deepEqual(dflt.AttributeDefinitions, [{ AttributeName: 'id', AttributeType: 'S' }]);
    assert.equal(dflt.BillingModeSummary!.BillingMode, 'PAY_PER_REQUEST');
  });

  it('applying again changes nothing; --dry-run prints the plan and changes nothing', async () => {
    const again = await apply(fixture('cfn-on-demand.json'), fixture('sam-simple-table.yaml'));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.match(/: no changes/g)?.length, 3, again.stdout);
    const before = (await ddb.send(new ListTablesCommand({}))).TableNames;
    const dry = await apply(fixture('cfn-depends-on.yaml'), '--dry-run', '--parameter', 'Environment=prod', '--parameter', 'ReadCapacityUnits=7');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      [
        'table myFirstDDBTable (Resources.myFirstDDBTable): create',
        '  + create table (PROVISIONED 7/10; Album HASH, Artist RANGE; GSIs myGSI, myGSI2; LSIs myLSI; 1 tag)',
        '  + enable point-in-time recovery',
        'table openddb-second-prod (Resources.mySecondDDBTable): create',
        '  + create table (PROVISIONED 7/10; ArtistId HASH, Concert RANGE; GSIs myGSI)',
        '',
      ].join('\n'),
    );
    assert.deepEqual((await ddb.send(new ListTablesCommand({}))).TableNames, before);
  });

  it('an update: GSIs deleted, changed and created one at a time, throughput, stream, TTL and tags, as a diff', async () => {
    const template = readFileSync(fixture('cfn-on-demand.json'), 'utf8');
    const doc = JSON.parse(template) as { Resources: { GameScores: { Properties: Record<string, unknown> } } };
    const props = doc.Resources.GameScores.Properties;
    props.BillingMode = 'PROVISIONED';
    props.ProvisionedThroughput = { ReadCapacityUnits: 4, WriteCapacityUnits: 3 };
    props.AttributeDefinitions = [...(props.AttributeDefinitions as object[]), { AttributeName: 'Level', AttributeType: 'N' }];
    props.GlobalSecondaryIndexes = [
      {
        IndexName: 'ByLevel',
        KeySchema: [{ AttributeName: 'Level', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
      },
    ];
    props.StreamSpecification = { StreamViewType: 'KEYS_ONLY' };
    props.TimeToLiveSpecification = { AttributeName: 'ExpiresAt', Enabled: true };
    props.Tags = [{ Key: 'Team', Value: 'games' }];
    const file = join(dir.path, 'updated.json');
    writeFileSync(file, JSON.stringify(doc));
    const dry = await apply(file, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      [
        'table GameScores (Resources.GameScores): update',
        '  - delete GSI GameTitleIndex',
        '  ~ billing PAY_PER_REQUEST → PROVISIONED (4 RCU / 3 WCU)',
        '  + create GSI ByLevel (Level HASH, KEYS_ONLY)',
        '  - disable stream (NEW_AND_OLD_IMAGES)',
        '  + enable stream (KEYS_ONLY)',
        '  - disable TTL on TimeToExist',
        '  + enable TTL on ExpiresAt',
        '  ~ tags: set Team=games',
        '  ~ tags: remove Name',
        '',
      ].join('\n'),
    );
    const r = await apply(file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /applied 9 changes to GameScores/);
    const t = await describeTable(ddb, 'GameScores');
    assert.equal(t.BillingModeSummary!.BillingMode, 'PROVISIONED');
    assert.equal(t.ProvisionedThroughput!.ReadCapacityUnits, 4);
    assert.deepEqual(
      t.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g.IndexStatus, g.ProvisionedThroughput!.ReadCapacityUnits]),
      [['ByLevel', 'ACTIVE', 2]],
    );
    assert.deepEqual(t.StreamSpecification, { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
    assert.equal((await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'GameScores' }))).TimeToLiveDescription!.AttributeName, 'ExpiresAt');
    assert.deepEqual(await tagsOf(ddb, t.TableArn!), { Team: 'games' });
    const again = await apply(file);
    assert.match(again.stdout, /GameScores \(Resources\.GameScores\): no changes/);
  });

  it('a change DynamoDB cannot make (the key schema) is refused, and nothing of the template is applied', async () => {
    const file = join(dir.path, 'rekeyed.yaml');
    writeFileSync(
      file,
      `Resources:
  Fresh:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: fresh-table
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
  Simple:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: sam-simple
      BillingMode: PAY_PER_REQUEST
      KeySchema: [{ AttributeName: other, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: other, AttributeType: S }]
`,
    );
    const r = await apply(file);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /table sam-simple \(Resources\.Simple\): cannot apply\n {2}! sam-simple: the key schema differs \(id HASH → other HASH\)/);
    assert.match(r.stderr, /nothing was applied: 1 change DynamoDB cannot make in place/);
    const names = (await ddb.send(new ListTablesCommand({}))).TableNames!;
    assert.ok(!names.includes('fresh-table'), 'the other table of the template was not created');
  });

  it('point-in-time recovery: enabled by a parameter, disabled again by the next apply', async () => {
    const pitr = async () =>
      (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'pitr-myFirstDDBTable' }))).ContinuousBackupsDescription!.PointInTimeRecoveryDescription!
        .PointInTimeRecoveryStatus;
    const on = await apply(fixture('cfn-depends-on.yaml'), '--parameter', 'Environment=prod', '--stack-name', 'pitr');
    assert.equal(on.code, 0, on.stderr);
    assert.equal(await pitr(), 'ENABLED');
    const off = await apply(fixture('cfn-depends-on.yaml'), '--stack-name', 'pitr');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /table pitr-myFirstDDBTable \(Resources\.myFirstDDBTable\): update\n {2}- disable point-in-time recovery\n {2}~ tags: set Environment=dev/);
    assert.equal(await pitr(), 'DISABLED');
  });

  it('template errors name their place and create nothing', async () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !ImportValue shared-name\n');
    const r = await apply(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Resources\.T\.Properties\.TableName\.Fn::ImportValue: Fn::ImportValue is not supported by openddb apply/);
    const missing = await apply(join(dir.path, 'missing.yaml'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*missing\.yaml/);
    const misspelt = await apply(fixture('sam-simple-table.yaml'), '--parameter', 'TableNameParm=x');
    assert.equal(misspelt.code, 1);
    assert.match(misspelt.stderr, /--parameter TableNameParm: no template declares a parameter TableNameParm/);
    const usage = await runCli(['apply']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /name a template file/);
  });
});

describe('openddb apply: Terraform', { skip: variantPass() }, () => {
  let server: ServerProcess;
  let ddb: DynamoDBClient;
  before(async () => {
    server = await startServerProcess();
    ddb = client(server.url);
  });
  after(async () => {
    ddb?.destroy();
    await server?.stop();
  });

  it("the provider's basic example (HCL): provisioned GSI, TTL, tags; variables, locals, a conditional, count = 0", async () => {
    const r = await runCli(['apply', fixture('terraform-basic.tf'), '--endpoint', server.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /never-created/);
    const t = await describeTable(ddb, 'GameScores');
    assert.equal(t.ProvisionedThroughput!.WriteCapacityUnits, 20);
    const gsi = t.GlobalSecondaryIndexes![0]!;
    assert.equal(gsi.IndexName, 'GameTitleIndex');
    assert.deepEqual(gsi.Projection, { ProjectionType: 'INCLUDE', NonKeyAttributes: ['UserId'] });
    assert.equal(gsi.ProvisionedThroughput!.ReadCapacityUnits, 10);
    assert.deepEqual(await tagsOf(ddb, t.TableArn!), { Name: 'dynamodb-table-1', Environment: 'production' });
    const orders = await describeTable(ddb, 'tf-orders-production');
    assert.equal(orders.BillingModeSummary!.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(orders.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    assert.equal(orders.LocalSecondaryIndexes![0]!.IndexName, 'byPlacedAt');
  });

  it('--var changes names; .tf.json works; a second apply finds nothing to do', async () => {
    const r = await runCli(['apply', fixture('terraform-basic.tf'), fixture('terraform-global.tf.json'), '--var', 'environment=staging', '--endpoint', server.url, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /table tf-orders-staging \(aws_dynamodb_table\.orders\): create\n.*\n {2}\+ enable point-in-time recovery/);
    assert.match(r.stdout, /table GameScores \(aws_dynamodb_table\.basic-dynamodb-table\): update\n {2}~ tags: set Environment=staging/);
    const json = await runCli(['apply', fixture('terraform-global.tf.json'), '--endpoint', server.url]);
    assert.equal(json.code, 0, json.stderr);
    const events = await describeTable(ddb, 'tf-json-events');
    assert.deepEqual(await tagsOf(ddb, events.TableArn!), { Team: 'data' });
    const again = await runCli(['apply', fixture('terraform-basic.tf'), fixture('terraform-global.tf.json'), '--endpoint', server.url]);
    assert.equal(again.stdout.match(/: no changes/g)?.length, 3, again.stdout);
  });
});

describe('openddb serve --apply', { skip: variantPass() }, () => {
  it('the tables exist when the server says it listens', async () => {
    const server = await startServerProcess({ extraArgs: ['--apply', fixture('sam-simple-table.yaml'), '--apply', fixture('terraform-global.tf.json')] });
    const ddb = client(server.url);
    try {
      const names = (await ddb.send(new ListTablesCommand({}))).TableNames!;
      assert.deepEqual([...names].sort(), ['DefaultTable', 'sam-simple', 'tf-json-events']);
      assert.equal((await describeTable(ddb, 'sam-simple')).TableStatus, 'ACTIVE');
    } finally {
      ddb.destroy();
      await server.stop();
    }
  });

  it('a template that fails stops the server with the reason', async () => {
    await assert.rejects(startServerProcess({ extraArgs: ['--apply', '/nonexistent/template.yaml'] }), /exited with 1 before listening:[\s\S]*--apply: cannot read \/nonexistent\/template\.yaml/);
  });
});

describe('the tools against a server with --auth', { skip: variantPass() }, () => {
  it('sign with the AWS_* environment variables; a wrong secret is refused with the server\'s error', async () => {
    const dir = tempDir('openddb-tools-auth-');
    const file = join(dir.path, 'auth.json');
    writeFileSync(
      file,
      JSON.stringify({
        identities: [
          {
            accessKeyId: 'AKIDTOOLS',
            secretAccessKey: 'tools-secret',
            arn: 'arn:aws:iam::123456789012:user/tools',
            policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] }],
          },
        ],
      }),
    );
    const env = { AWS_ACCESS_KEY_ID: 'AKIDTOOLS', AWS_SECRET_ACCESS_KEY: 'tools-secret', AWS_REGION: 'eu-west-1' };
    const server = await startServerProcess({ extraArgs: ['--auth', file] });
    try {
      const ok = await runCli(['apply', fixture('terraform-global.tf.json'), '--endpoint', server.url], { env });
      assert.equal(ok.code, 0, ok.stderr);
      const dump = await runCli(['dump', 'tf-json-events', '--endpoint', server.url], { env });
      assert.equal(dump.code, 0, dump.stderr);
      const wrong = await runCli(['apply', fixture('terraform-global.tf.json'), '--endpoint', server.url], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'nope' } });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /DescribeTable: InvalidSignatureException: The request signature we calculated does not match/);
      // The table is in the region the tools signed for.
      const other = await runCli(['apply', fixture('terraform-global.tf.json'), '--endpoint', server.url, '--dry-run', '--region', 'us-west-2'], { env });
      assert.match(other.stdout, /tf-json-events \(aws_dynamodb_table\.events\): create/);
    } finally {
      await server.stop();
      dir.remove();
    }
  });
});
