import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, parsePolicy, PolicyError, substitute, type RequestContext } from './policy.js';
import { parseAuthConfig } from './identities.js';

const T = 'arn:aws:dynamodb:us-east-1:111122223333:table/Orders';
const vars = new Map([['aws:userid', 'alice'], ['aws:username', 'alice']]);
const req = (action: string, resource = T, keys: Record<string, string | string[]> = {}): RequestContext => ({
  action, resource, keys: new Map(Object.entries(keys).map(([k, v]) => [k.toLowerCase(), v])),
});
const policy = (...Statement: object[]) => parsePolicy({ Version: '2012-10-17', Statement }, 'p');

test('no statement applies: implicit deny; an allow; an explicit deny wins', () => {
  const allow = policy({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: T });
  assert.equal(evaluate([allow], req('dynamodb:PutItem'), vars), 'implicitDeny');
  assert.equal(evaluate([allow], req('dynamodb:GetItem'), vars), 'allow');
  const deny = policy({ Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' });
  assert.equal(evaluate([allow, deny], req('dynamodb:GetItem'), vars), 'deny');
});

test('actions: case-insensitive, wildcards, NotAction', () => {
  const p = policy({ Effect: 'Allow', Action: ['DynamoDB:get*', 'dynamodb:Batch?etItem'], Resource: '*' });
  assert.equal(evaluate([p], req('dynamodb:GetItem'), vars), 'allow');
  assert.equal(evaluate([p], req('dynamodb:BatchGetItem'), vars), 'allow');
  assert.equal(evaluate([p], req('dynamodb:Query'), vars), 'implicitDeny');
  const not = policy({ Effect: 'Allow', NotAction: 'dynamodb:Delete*', Resource: '*' });
  assert.equal(evaluate([not], req('dynamodb:Query'), vars), 'allow');
  assert.equal(evaluate([not], req('dynamodb:DeleteItem'), vars), 'implicitDeny');
});

test('resources: case-sensitive wildcards, index ARNs, NotResource, variables', () => {
  const p = policy({ Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${T}/index/*` });
  assert.equal(evaluate([p], req('dynamodb:Query', `${T}/index/byDate`), vars), 'allow');
  assert.equal(evaluate([p], req('dynamodb:Query', T), vars), 'implicitDeny');
  assert.equal(evaluate([p], req('dynamodb:Query', `${T.replace('Orders', 'orders')}/index/x`), vars), 'implicitDeny');
  const not = policy({ Effect: 'Allow', Action: 'dynamodb:*', NotResource: T });
  assert.equal(evaluate([not], req('dynamodb:GetItem', T), vars), 'implicitDeny');
  assert.equal(evaluate([not], req('dynamodb:GetItem', `${T}2`), vars), 'allow');
  const own = policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:*:*:table/${aws:username}_*' });
  assert.equal(evaluate([own], req('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:1:table/alice_notes'), vars), 'allow');
  assert.equal(evaluate([own], req('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:1:table/bob_notes'), vars), 'implicitDeny');
});

test('ForAllValues:StringEquals on dynamodb:LeadingKeys (the AWS documentation example)', () => {
  const p = policy({
    Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: T,
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}'] } },
  });
  assert.equal(evaluate([p], req('dynamodb:GetItem', T, { 'dynamodb:LeadingKeys': ['alice'] }), vars), 'allow');
  assert.equal(evaluate([p], req('dynamodb:GetItem', T, { 'dynamodb:LeadingKeys': ['alice', 'bob'] }), vars), 'implicitDeny');
  // IAM's documented caveat: ForAllValues holds for a request without the key.
  assert.equal(evaluate([p], req('dynamodb:Query', T), vars), 'allow');
});

test('ForAnyValue, StringLike, negated operators, IfExists, Null, Bool, Numeric', () => {
  const cond = (Condition: object) => policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition });
  const attrs = { 'dynamodb:Attributes': ['pk', 'secret'] };
  assert.equal(evaluate([cond({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': 'secret' } })], req('x:y', T, attrs), vars), 'allow');
  assert.equal(evaluate([cond({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': 'secret' } })], req('x:y'), vars), 'implicitDeny');
  assert.equal(evaluate([cond({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'name'] } })], req('x:y', T, attrs), vars), 'implicitDeny');
  assert.equal(evaluate([cond({ StringLike: { 'dynamodb:Select': 'SPECIFIC_*' } })], req('x:y', T, { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' }), vars), 'allow');
  assert.equal(evaluate([cond({ StringEquals: { 'dynamodb:Select': 'COUNT' } })], req('x:y'), vars), 'implicitDeny');
  assert.equal(evaluate([cond({ StringEqualsIfExists: { 'dynamodb:Select': 'COUNT' } })], req('x:y'), vars), 'allow');
  assert.equal(evaluate([cond({ StringNotEquals: { 'dynamodb:ReturnValues': 'ALL_OLD' } })], req('x:y', T, { 'dynamodb:ReturnValues': 'NONE' }), vars), 'allow');
  assert.equal(evaluate([cond({ StringNotEquals: { 'dynamodb:ReturnValues': 'ALL_OLD' } })], req('x:y', T, { 'dynamodb:ReturnValues': 'ALL_OLD' }), vars), 'implicitDeny');
  assert.equal(evaluate([cond({ Null: { 'dynamodb:Select': 'true' } })], req('x:y'), vars), 'allow');
  assert.equal(evaluate([cond({ Null: { 'dynamodb:Select': 'false' } })], req('x:y'), vars), 'implicitDeny');
  assert.equal(evaluate([cond({ Bool: { 'aws:SecureTransport': 'true' } })], req('x:y', '*', { 'aws:SecureTransport': 'true' }), vars), 'allow');
  assert.equal(evaluate([cond({ NumericLessThan: { 'x:n': 10 } })], req('x:y', '*', { 'x:n': '9' }), vars), 'allow');
  assert.equal(evaluate([cond({ NumericLessThan: { 'x:n': 10 } })], req('x:y', '*', { 'x:n': '10' }), vars), 'implicitDeny');
  assert.equal(evaluate([cond({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })], req('x:y', '*', { 'aws:SourceIp': '10.1.2.3' }), vars), 'allow');
  // Every operator and every key must hold.
  assert.equal(evaluate([cond({ StringEquals: { 'a:b': 'x', 'a:c': 'y' } })], req('x:y', '*', { 'a:b': 'x', 'a:c': 'z' }), vars), 'implicitDeny');
  // A variable inside a condition value; aws: keys come from the principal too.
  assert.equal(evaluate([cond({ StringEquals: { 'aws:username': 'alice' } })], req('x:y'), vars), 'allow');
});

test('policies IAM refuses are refused, naming where', () => {
  assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }, 'p'), /p\.Statement\[0\]: Effect/);
  assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'p'), /exactly one of Action and NotAction/);
  assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] }, 'p'), /Principal/);
  assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualz: { a: 'b' } } }] }, 'p'), /unknown condition operator 'StringEqualz'/);
  assert.throws(() => parsePolicy({ Version: '2020-01-01', Statement: [] }, 'p'), PolicyError);
});

test('policy variables', () => {
  assert.equal(substitute('a/${aws:username}/${*}', vars), 'a/alice/\u0000*');
  assert.equal(substitute('${aws:nope}', vars), undefined);
  assert.equal(substitute("${aws:nope, 'd'}", vars), 'd');
});

test('the credentials file: accounts, variables, validation without secrets in messages', () => {
  const config = parseAuthConfig(JSON.stringify({ identities: [{ accessKeyId: 'AKID1', secretAccessKey: 'TOPSECRET', arn: 'arn:aws:iam::111122223333:user/dev/alice', policies: [] }] }));
  const alice = config.identities.get('AKID1')!;
  assert.equal(alice.account, '111122223333');
  assert.equal(alice.variables.get('aws:username'), 'alice');
  assert.equal(alice.variables.get('aws:userid'), 'alice');
  for (const bad of [
    '{',
    '{"identities": [{"accessKeyId": "A", "secretAccessKey": "TOPSECRET"x}]}',
    '{"identities": {}}',
    '{"identities": [{"accessKeyId": "A", "secretAccessKey": "TOPSECRET", "arn": "arn:aws:iam::12:user/x"}]}',
    '{"identities": [{"accessKeyId": "A", "secretAccessKey": "TOPSECRET", "arn": "arn:aws:iam::111122223333:user/x", "policies": [{"Statement": []}]}]}',
    '{"identities": [{"accessKeyId": "A", "secretAccessKey": "TOPSECRET", "arn": "arn:aws:iam::111122223333:user/x"}, {"accessKeyId": "A", "secretAccessKey": "TOPSECRET", "arn": "arn:aws:iam::111122223333:user/y"}]}',
  ]) {
    assert.throws(() => parseAuthConfig(bad), (e: Error) => e instanceof PolicyError && !e.message.includes('TOPSECRET'));
  }
});

test('micro-benchmark: evaluating the LeadingKeys policy', () => {
  const p = policy(
    { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'], Resource: [T], Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}'] } } },
    { Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' },
  );
  const request = req('dynamodb:GetItem', T, { 'dynamodb:LeadingKeys': ['alice'] });
  for (let i = 0; i < 2000; i++) evaluate([p], request, vars);
  const n = 20000;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) assert.equal(evaluate([p], request, vars), 'allow');
  const used = process.cpuUsage(start);
  const perRequestUs = (used.user + used.system) / n;
  process.stdout.write(`# policy evaluation: ${perRequestUs.toFixed(2)} µs CPU per request\n`);
  assert.ok(perRequestUs < 50, `${perRequestUs} µs`);
});

test('remembered action and resource matches: each text judged as its own, also past the bound', () => {
  const p = policy(
    { Effect: 'Allow', Action: ['dynamodb:Get*', 'dynamodb:Query'], Resource: [T, `${T}/index/*`] },
    { Effect: 'Deny', NotAction: 'dynamodb:Get*', Resource: `${T}/index/secret` },
  );
  for (let round = 0; round < 3; round++) {
    assert.equal(evaluate([p], req('dynamodb:GetItem'), vars), 'allow');
    assert.equal(evaluate([p], req('dynamodb:PutItem'), vars), 'implicitDeny');
    assert.equal(evaluate([p], req('dynamodb:Query', `${T}/index/byDate`), vars), 'allow');
    assert.equal(evaluate([p], req('dynamodb:Query', `${T}/index/secret`), vars), 'deny');
    assert.equal(evaluate([p], req('dynamodb:GetItem', `${T}/index/secret`), vars), 'allow');
    assert.equal(evaluate([p], req('dynamodb:GetItem', `${T}2`), vars), 'implicitDeny');
  }
  // More texts than a statement remembers: the maps are emptied, the verdicts stay right.
  for (let i = 0; i < 2100; i++) {
    assert.equal(evaluate([p], req(`dynamodb:Get${i}`, i % 2 === 0 ? T : `${T}/x${i}`), vars), i % 2 === 0 ? 'allow' : 'implicitDeny');
  }
  assert.equal(evaluate([p], req('dynamodb:PutItem'), vars), 'implicitDeny');
  assert.equal(evaluate([p], req('dynamodb:Query', `${T}/index/secret`), vars), 'deny');
});
