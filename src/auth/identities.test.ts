import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthConfig } from './identities.js';
import { CALLER_ARN, PolicyError } from './policy.js';

const A = '111122223333';
const allow = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const ROLE = `arn:aws:iam::${A}:role/team/app`;
const SESSION = `arn:aws:sts::${A}:assumed-role/app/build-42`;

test('groups add their policies to their members; roles give theirs to their sessions', () => {
  const config = parseAuthConfig(JSON.stringify({
    groups: [{ name: 'readers', policies: [allow('dynamodb:GetItem')] }, { name: 'writers', policies: [allow('dynamodb:PutItem')] }],
    roles: [{ arn: ROLE, policies: [allow('dynamodb:Query')], tags: { team: 'blue', env: 'prod' } }],
    identities: [
      { accessKeyId: 'AKIDU', secretAccessKey: 's', arn: `arn:aws:iam::${A}:user/u`, groups: ['readers', 'writers'], policies: [allow('dynamodb:Scan')] },
      { accessKeyId: 'ASIAS', secretAccessKey: 's', sessionToken: 't', arn: SESSION, role: ROLE, tags: { env: 'dev' } },
      { accessKeyId: 'ASIAN', secretAccessKey: 's', sessionToken: 't', arn: SESSION, role: ROLE, policies: [allow('dynamodb:Query')] },
    ],
  }));
  const user = config.identities.get('AKIDU')!;
  assert.equal(user.policies.length, 3);
  assert.equal(user.sessionPolicies, undefined);
  const session = config.identities.get('ASIAS')!;
  assert.equal(session.policies.length, 1);
  assert.equal(session.sessionPolicies, undefined);
  assert.equal(session.variables.get('aws:principalarn'), ROLE);
  assert.equal(session.variables.get(CALLER_ARN), SESSION);
  assert.equal(session.variables.get('aws:username'), undefined);
  assert.equal(session.variables.get('aws:principaltag/team'), 'blue');
  assert.equal(session.variables.get('aws:principaltag/env'), 'dev');
  assert.equal(config.identities.get('ASIAN')!.sessionPolicies?.length, 1);
});

test('groups and roles that do not fit are refused, naming the field', () => {
  const refused = (doc: object, message: RegExp) => assert.throws(() => parseAuthConfig(JSON.stringify(doc)), (e: Error) => e instanceof PolicyError && message.test(e.message));
  const user = { accessKeyId: 'AKIDU', secretAccessKey: 's', arn: `arn:aws:iam::${A}:user/u` };
  refused({ identities: [{ ...user, groups: ['nope'] }] }, /identities\[0\]\.groups: 'nope' is not one of the file's groups/);
  refused({ groups: [{ name: 'g' }, { name: 'g' }], identities: [] }, /groups\[1\]\.name: 'g' appears twice/);
  refused({ roles: [{ arn: `arn:aws:iam::${A}:user/x` }], identities: [] }, /roles\[0\]\.arn: must be an IAM role ARN/);
  refused({ identities: [{ ...user, role: ROLE }] }, /identities\[0\]\.role: '.*' is not one of the file's roles/);
  const roles = [{ arn: ROLE, policies: [] }];
  refused({ roles, identities: [{ ...user, role: ROLE, sessionToken: 't' }] }, /identities\[0\]\.arn: a session of .* must be arn:aws:sts::111122223333:assumed-role\/app\/<session name>/);
  refused({ roles, identities: [{ ...user, arn: `arn:aws:sts::${A}:assumed-role/other/s`, role: ROLE, sessionToken: 't' }] }, /a session of/);
  refused({ roles, identities: [{ ...user, arn: SESSION, role: ROLE }] }, /identities\[0\]\.sessionToken: a role session must have one/);
  refused({ roles, identities: [{ ...user, arn: SESSION, role: ROLE, sessionToken: 't', groups: [] }] }, /a role session cannot be in groups/);
  refused({ groups: [{ name: 'g', policies: [{ Statement: [{ Effect: 'Allow', Action: 'x', Resource: '*', Principal: '*' }] }] }], identities: [] }, /groups\[0\]\.policies\[0\]/);
});
