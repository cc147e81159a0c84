/**
 * @module auth/identities
 * The credentials file (`--auth FILE`), read into the identities a request
 * may sign as. Its minimal form is fixed by issue 13 so that scripts can
 * write it:
 *
 * ```json
 * {"identities": [{"accessKeyId": "AKIDALICE", "secretAccessKey": "…",
 *                  "sessionToken": "… (optional)",
 *                  "arn": "arn:aws:iam::111122223333:user/alice",
 *                  "policies": [{"Version": "2012-10-17", "Statement": […]}]}]}
 * ```
 *
 * openddb also reads, per identity: `userId` (the `aws:userid` policy
 * variable; default: the user name from the ARN), `sessionTokenExpires`
 * (ISO 8601; after it, requests get ExpiredTokenException) and `tags`
 * (`aws:PrincipalTag/<key>`). The account is
 * the one in `arn`: it scopes the identity's tables.
 *
 * IAM groups and roles, optional: top-level `"groups": [{"name", "policies"}]`
 * that users join with `"groups": ["name", …]` (their policies add to the
 * user's own), and `"roles": [{"arn": "arn:aws:iam::<account>:role/<name>",
 * "policies", "tags"}]` that an identity holding a session of it names with
 * `"role": "<role ARN>"`: its `arn` must then be the session's,
 * `arn:aws:sts::<account>:assumed-role/<name>/<session>`, and it must carry a
 * `sessionToken`, as every role session does. A session's rights are the
 * role's policies; its own `policies`, if any, are session policies, which
 * can only narrow them (IAM: an action must be allowed by both). Its
 * `aws:PrincipalArn` is the role's ARN, and the role's tags are its
 * principal tags (its own `tags` override them). Pure: the text comes in.
 */
import { SigningKeyCache, type Credential } from './sigv4.js';
import { CALLER_ARN, parsePolicy, PolicyError, type Policy } from './policy.js';

export interface Identity extends Credential {
  readonly arn: string;
  /** The 12-digit account of `arn`. */
  readonly account: string;
  /** Identity-based policies: the user's own and its groups', or a role session's role's. */
  readonly policies: readonly Policy[];
  /** A role session's session policies, which narrow `policies`; absent: none. */
  readonly sessionPolicies?: readonly Policy[];
  /**
   * Policy variables by lower-cased name: aws:username, aws:userid,
   * aws:principalarn, aws:principalaccount, aws:principaltag/<key>; and
   * the caller's own ARN under CALLER_ARN (a role session's
   * aws:principalarn is its role's).
   */
  readonly variables: ReadonlyMap<string, string>;
}

interface Role {
  readonly arn: string;
  readonly account: string;
  readonly name: string;
  readonly policies: readonly Policy[];
  readonly tags: ReadonlyMap<string, string>;
}

export interface AuthConfig {
  readonly identities: ReadonlyMap<string, Identity>;
}

/** Parses the credentials file's text; throws PolicyError naming what is wrong (never a secret). */
export function parseAuthConfig(text: string): AuthConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // Not the parser's message: V8 quotes the text around the error, which may be a secret.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new PolicyError(`not JSON${at === undefined ? '' : ` (the error is at character ${at})`}`);
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { identities?: unknown }).identities)) {
    throw new PolicyError('the file must be an object with an "identities" list');
  }
  const groups = parseGroups((doc as { groups?: unknown }).groups);
  const roles = parseRoles((doc as { roles?: unknown }).roles);
  const identities = new Map<string, Identity>();
  (doc as { identities: unknown[] }).identities.forEach((raw, i) => {
    const where = `identities[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PolicyError(`${where}: must be an object`);
    const r = raw as Record<string, unknown>;
    const text = (name: string, required: boolean): string | undefined => {
      const v = r[name];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || v === '') throw new PolicyError(`${where}.${name}: must be a non-empty string`);
      return v;
    };
    const accessKeyId = text('accessKeyId', true)!;
    const secretAccessKey = text('secretAccessKey', true)!;
    const sessionToken = text('sessionToken', false);
    const arn = text('arn', true)!;
    const arnMatch = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$/.exec(arn);
    if (arnMatch === null) {
      throw new PolicyError(`${where}.arn: must be an IAM or STS ARN with a 12-digit account, e.g. arn:aws:iam::111122223333:user/alice`);
    }
    if (!/^[A-Za-z0-9+/=,.@_-]+$/.test(accessKeyId)) throw new PolicyError(`${where}.accessKeyId: '${accessKeyId}' has characters an access key cannot`);
    if (identities.has(accessKeyId)) throw new PolicyError(`${where}.accessKeyId: '${accessKeyId}' appears twice`);
    const expiresText = text('sessionTokenExpires', false);
    const expiresAt = expiresText === undefined ? undefined : Date.parse(expiresText);
    if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new PolicyError(`${where}.sessionTokenExpires: not an ISO 8601 time`);
    const own = policyList(r.policies, `${where}.policies`);
    const account = arnMatch[2]!;
    const resource = arnMatch[3]!;
    const userName = resource.slice(resource.lastIndexOf('/') + 1);
    const userId = text('userId', false) ?? userName;
    const roleArn = text('role', false);
    const role = roleArn === undefined ? undefined : roles.get(roleArn);
    if (roleArn !== undefined) {
      if (role === undefined) throw new PolicyError(`${where}.role: '${roleArn}' is not one of the file's roles`);
      const session = /^assumed-role\/([^/]+)\/[^/]+$/.exec(resource);
      if (arnMatch[1] !== 'sts' || session === null || session[1] !== role.name || account !== role.account) {
        throw new PolicyError(`${where}.arn: a session of ${role.arn} must be arn:aws:sts::${role.account}:assumed-role/${role.name}/<session name>`);
      }
      if (sessionToken === undefined) throw new PolicyError(`${where}.sessionToken: a role session must have one`);
      if (r.groups !== undefined) throw new PolicyError(`${where}.groups: a role session cannot be in groups (users are)`);
    }
    const memberOf = r.groups ?? [];
    if (!Array.isArray(memberOf) || memberOf.some((g) => typeof g !== 'string')) throw new PolicyError(`${where}.groups: must be a list of group names`);
    const groupPolicies = (memberOf as string[]).flatMap((name) => {
      const group = groups.get(name);
      if (group === undefined) throw new PolicyError(`${where}.groups: '${name}' is not one of the file's groups`);
      return group;
    });
    const variables = new Map<string, string>([
      ['aws:username', userName],
      ['aws:userid', userId],
      ['aws:principalarn', role?.arn ?? arn],
      ['aws:principalaccount', account],
      [CALLER_ARN, arn],
    ]);
    // IAM has no aws:username for a role session.
    if (role !== undefined) variables.delete('aws:username');
    for (const [key, value] of role?.tags ?? []) variables.set(key, value);
    for (const [key, value] of tagMap(r.tags, `${where}.tags`)) variables.set(key, value);
    identities.set(accessKeyId, {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken !== undefined ? { sessionToken } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      keys: new SigningKeyCache(),
      arn,
      account,
      policies: role !== undefined ? role.policies : [...own, ...groupPolicies],
      ...(role !== undefined && r.policies !== undefined ? { sessionPolicies: own } : {}),
      variables,
    });
  });
  return { identities };
}

function policyList(raw: unknown, where: string): Policy[] {
  const list = raw ?? [];
  if (!Array.isArray(list)) throw new PolicyError(`${where}: must be a list of policy documents`);
  return list.map((p, j) => parsePolicy(p, `${where}[${j}]`));
}

/** `tags` as aws:principaltag/<key> variables. */
function tagMap(raw: unknown, where: string): Map<string, string> {
  const tags = raw ?? {};
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new PolicyError(`${where}: must map tag keys to string values`);
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string') throw new PolicyError(`${where}.${key}: must be a string`);
    out.set(`aws:principaltag/${key.toLowerCase()}`, value);
  }
  return out;
}

/** The file's groups: name → policies. */
function parseGroups(raw: unknown): Map<string, Policy[]> {
  const groups = new Map<string, Policy[]>();
  if (raw === undefined) return groups;
  if (!Array.isArray(raw)) throw new PolicyError('groups: must be a list of {"name", "policies"}');
  raw.forEach((g, i) => {
    const where = `groups[${i}]`;
    if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new PolicyError(`${where}: must be an object`);
    const { name, policies } = g as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new PolicyError(`${where}.name: must be a non-empty string`);
    if (groups.has(name)) throw new PolicyError(`${where}.name: '${name}' appears twice`);
    groups.set(name, policyList(policies, `${where}.policies`));
  });
  return groups;
}

/** The file's roles, by ARN. */
function parseRoles(raw: unknown): Map<string, Role> {
  const roles = new Map<string, Role>();
  if (raw === undefined) return roles;
  if (!Array.isArray(raw)) throw new PolicyError('roles: must be a list of {"arn", "policies", "tags"}');
  raw.forEach((r, i) => {
    const where = `roles[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new PolicyError(`${where}: must be an object`);
    const { arn, policies, tags } = r as Record<string, unknown>;
    const m = typeof arn === 'string' ? /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(arn) : null;
    if (m === null) throw new PolicyError(`${where}.arn: must be an IAM role ARN, e.g. arn:aws:iam::111122223333:role/app`);
    if (roles.has(arn as string)) throw new PolicyError(`${where}.arn: '${String(arn)}' appears twice`);
    roles.set(arn as string, { arn: arn as string, account: m[1]!, name: m[2]!, policies: policyList(policies, `${where}.policies`), tags: tagMap(tags, `${where}.tags`) });
  });
  return roles;
}
