import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredParameters, parseTemplateText, tablesFromCloudFormation } from './cloudformation.js';
import { TemplateError } from './table-spec.js';

const OPTIONS = { parameters: {}, region: 'us-east-1', accountId: '123456789012' };

const TEMPLATE = `
Parameters:
  Env: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  Rcu: { Type: Number, Default: 3 }
Mappings:
  Sizes: { dev: { Wcu: 2 }, prod: { Wcu: 20 } }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub '\${AWS::StackName}-orders-\${Env}'
      AttributeDefinitions:
        - { AttributeName: pk, AttributeType: S }
        - { AttributeName: n, AttributeType: N }
      KeySchema: [{ AttributeName: pk, KeyType: HASH }]
      BillingMode: !If [IsProd, PROVISIONED, PAY_PER_REQUEST]
      ProvisionedThroughput: !If
        - IsProd
        - { ReadCapacityUnits: !Ref Rcu, WriteCapacityUnits: !FindInMap [Sizes, !Ref Env, Wcu] }
        - !Ref AWS::NoValue
      GlobalSecondaryIndexes:
        - IndexName: byN
          KeySchema: [{ AttributeName: n, KeyType: HASH }]
          Projection: { ProjectionType: KEYS_ONLY }
      StreamSpecification: { StreamViewType: NEW_IMAGE }
      TimeToLiveSpecification: { AttributeName: exp, Enabled: true }
      Tags:
        - { Key: env, Value: !Ref Env }
        - { Key: arn, Value: !GetAtt Orders.Arn }
        - { Key: joined, Value: !Join ['-', [a, !Select [1, !Split [',', 'x,y,z']]]] }
  OnlyInProd:
    Type: AWS::DynamoDB::Table
    Condition: IsProd
    Properties:
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      BillingMode: PAY_PER_REQUEST
  Queue:
    Type: AWS::SQS::Queue
`;

test('intrinsics and conditions: the default parameters', async () => {
  const doc = await parseTemplateText(TEMPLATE, 't.yaml');
  const [orders, ...rest] = tablesFromCloudFormation(doc, { ...OPTIONS, stackName: 'shop' });
  assert.equal(rest.length, 0, 'OnlyInProd is left out: its condition is false');
  assert.equal(orders!.TableName, 'shop-orders-dev');
  assert.equal(orders!.BillingMode, 'PAY_PER_REQUEST');
  assert.equal(orders!.ProvisionedThroughput, undefined);
  assert.equal(orders!.StreamViewType, 'NEW_IMAGE');
  assert.equal(orders!.TimeToLiveAttribute, 'exp');
  assert.deepEqual(orders!.Tags, { env: 'dev', arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/shop-orders-dev', joined: 'a-y' });
  assert.equal(orders!.GlobalSecondaryIndexes[0]!.IndexName, 'byN');
});

test('--parameter changes conditions, mappings and names', async () => {
  const doc = await parseTemplateText(TEMPLATE, 't.yaml');
  const specs = tablesFromCloudFormation(doc, { ...OPTIONS, parameters: { Env: 'prod' } });
  assert.deepEqual(
    specs.map((s) => s.TableName),
    ['openddb-orders-prod', 'OnlyInProd'],
  );
  assert.deepEqual(specs[0]!.ProvisionedThroughput, { ReadCapacityUnits: 3, WriteCapacityUnits: 20 });
  assert.throws(() => tablesFromCloudFormation(doc, { ...OPTIONS, parameters: { Env: 'test' } }), /not one of its AllowedValues/);
  assert.deepEqual(declaredParameters(doc), ['Env', 'Rcu']);
});

test('JSON templates and long-form functions', async () => {
  const doc = await parseTemplateText(
    JSON.stringify({
      Parameters: { Name: { Type: 'String' } },
      Resources: {
        T: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: { 'Fn::Sub': ['${N}-t', { N: { Ref: 'Name' } }] },
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' }],
            ProvisionedThroughput: { ReadCapacityUnits: '5', WriteCapacityUnits: 5 },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: 'true' },
          },
        },
      },
    }),
    't.json',
  );
  assert.throws(() => tablesFromCloudFormation(doc, OPTIONS), /parameter Name has no Default/);
  const [t] = tablesFromCloudFormation(doc, { ...OPTIONS, parameters: { Name: 'x' } });
  assert.equal(t!.TableName, 'x-t');
  assert.equal(t!.BillingMode, 'PROVISIONED', "CloudFormation's default billing mode");
  assert.deepEqual(t!.ProvisionedThroughput, { ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
  assert.equal(t!.PointInTimeRecovery, true);
});

test('SAM SimpleTable and a simple GlobalTable', async () => {
  const doc = await parseTemplateText(
    `
Resources:
  Simple:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: { Name: num, Type: Number }
      Tags: { a: b }
  Global:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      TableName: g
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
      Replicas:
        - Region: eu-west-1
          Tags: [{ Key: where, Value: eu }]
        - Region: us-east-1
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
          Tags: [{ Key: where, Value: us }]
`,
    't.yaml',
  );
  const [simple, global] = tablesFromCloudFormation(doc, OPTIONS);
  assert.equal(simple!.TableName, 'Simple');
  assert.deepEqual(simple!.KeySchema, [{ AttributeName: 'num', KeyType: 'HASH' }]);
  assert.deepEqual(simple!.AttributeDefinitions, [{ AttributeName: 'num', AttributeType: 'N' }]);
  assert.equal(simple!.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(simple!.Tags, { a: 'b' });
  assert.deepEqual(global!.Tags, { where: 'us' }, "the replica of the chosen region");
  assert.equal(global!.PointInTimeRecovery, true);
});

test('errors name the place: unsupported functions, missing refs, bad types, YAML 1.1 booleans stay strings', async () => {
  const bad = async (yaml: string, re: RegExp) => {
    const doc = await parseTemplateText(yaml, 'bad.yaml');
    assert.throws(() => tablesFromCloudFormation(doc, OPTIONS), (e: unknown) => e instanceof TemplateError && re.test(e.message));
  };
  const table = (props: string) => `Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n${props}`;
  const keys = '      KeySchema: [{ AttributeName: id, KeyType: HASH }]\n      AttributeDefinitions: [{ AttributeName: id, AttributeType: N }]\n      BillingMode: PAY_PER_REQUEST\n';
  await bad(table(`${keys}      TableName: !ImportValue other`), /Resources\.T\.Properties\.TableName\.Fn::ImportValue: Fn::ImportValue is not supported/);
  await bad(table(`${keys}      TableName: !Ref Missing`), /Ref Missing: no parameter or resource/);
  await bad(table(`      KeySchema: [{ AttributeName: id, KeyType: HASH }]\n      BillingMode: PAY_PER_REQUEST\n`), /key attribute id is not in the attribute definitions/);
  await bad(table(`${keys}      KinesisStreamSpecification: { StreamArn: x }`), /KinesisStreamSpecification is not supported/);
  await assert.rejects(parseTemplateText('a: [', 'x.yaml'), /not valid YAML/);
  const doc = await parseTemplateText(table(keys), 'ok.yaml');
  assert.equal(tablesFromCloudFormation(doc, OPTIONS)[0]!.AttributeDefinitions[0]!.AttributeType, 'N');
});
