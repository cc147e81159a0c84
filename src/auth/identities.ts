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
 * the one in `arn`: it scopes the identity's tables. Pure: the text comes in.
 */
import { SigningKeyCache, type Credential } from './sigv4.js';
import { parsePolicy, PolicyError, type Policy } from './policy.js';

export interface Identity extends Credential {
  readonly arn: string;
  /** The 12-digit account of `arn`. */
  readonly account: string;
  readonly policies: readonly Policy[];
  /** Policy variables by lower-cased name: aws:username, aws:userid, aws:principalarn, aws:principalaccount. */
  readonly variables: ReadonlyMap<string, string>;
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
    const rawPolicies = r.policies ?? [];
    if (!Array.isArray(rawPolicies)) throw new PolicyError(`${where}.policies: must be a list of policy documents`);
    const policies = rawPolicies.map((p, j) => parsePolicy(p, `${where}.policies[${j}]`));
    const account = arnMatch[2]!;
    const resource = arnMatch[3]!;
    const userName = resource.slice(resource.lastIndexOf('/') + 1);
    const userId = text('userId', false) ?? userName;
    const variables = new Map<string, string>([
      ['aws:username', userName],
      ['aws:userid', userId],
      ['aws:principalarn', arn],
      ['aws:principalaccount', account],
    ]);
    const tags = r.tags ?? {};
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new PolicyError(`${where}.tags: must map tag keys to string values`);
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== 'string') throw new PolicyError(`${where}.tags.${key}: must be a string`);
      variables.set(`aws:principaltag/${key.toLowerCase()}`, value);
    }
    identities.set(accessKeyId, {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken !== undefined ? { sessionToken } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      keys: new SigningKeyCache(),
      arn,
      account,
      policies,
      variables,
    });
  });
  return { identities };
}
