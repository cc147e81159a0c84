/**
 * @module auth/policy
 * Identity-based policies in IAM's JSON grammar, parsed once when the
 * credentials file loads and evaluated per request: Effect, Action /
 * NotAction (case-insensitive, `*` and `?` wildcards), Resource /
 * NotResource (case-sensitive wildcards), Condition with IAM's operators,
 * their `ForAllValues:` / `ForAnyValue:` set forms and `IfExists`, and
 * policy variables (`${aws:username}`, `${aws:userid}`, …) in Resource and
 * condition values of 2012-10-17 policies.
 *
 * Evaluation is IAM's for one account: an explicit Deny wins, then an
 * Allow, else the request is implicitly denied. Reference: IAM User Guide,
 * "Policy evaluation logic" and "IAM JSON policy elements: Condition
 * operators" (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */

/** One request as a policy sees it. Condition keys are compared case-insensitively. */
export interface RequestContext {
  /** e.g. `dynamodb:Query` */
  readonly action: string;
  /** The ARN the action acts on (a table, index or stream), or `*`. */
  readonly resource: string;
  /** Condition keys by lower-cased name; a multi-valued key is an array. Absent: not in the request. */
  readonly keys: { get(key: string): string | readonly string[] | undefined };
}

export type Decision = 'allow' | 'deny' | 'implicitDeny';

export interface Policy {
  readonly statements: readonly Statement[];
}

interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly RegExp[];
  readonly notAction: boolean;
  /** Patterns with policy variables still in them (substituted per request). */
  readonly resources: readonly string[];
  readonly notResource: boolean;
  /** `resources` compiled, when none holds a policy variable (else each request substitutes and compiles them). */
  readonly resourcePatterns: readonly RegExp[] | undefined;
  /**
   * Whether `actions` match an action, and `resourcePatterns` a resource,
   * remembered per text: a client asks for the same few actions on the
   * same few tables over and over, and a map lookup of a string whose hash
   * V8 keeps costs a fraction of a RegExp test (bounded: see remember).
   */
  readonly actionMatches: Map<string, boolean>;
  readonly resourceMatches: Map<string, boolean>;
  readonly conditions: readonly Condition[];
  readonly variables: boolean;
  /**
   * A resource-based policy's Principal: `*`, account ids and ARNs (an
   * account's `:root` ARN stands for the account). Absent in identity-based
   * policies, whose principal is the identity itself.
   */
  readonly principals?: readonly string[];
}

interface Condition {
  readonly set: 'ForAllValues' | 'ForAnyValue' | undefined;
  readonly operator: string;
  readonly ifExists: boolean;
  readonly key: string;
  readonly values: readonly string[];
}

/** A policy document that IAM would refuse; the message says where. */
export class PolicyError extends Error {}

const OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);
/** Operators whose match is "none of the values": true when the key is absent (IAM's negated operators). */
const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'ArnNotEquals', 'ArnNotLike', 'NotIpAddress']);

/**
 * Parses one policy document (an object, or its JSON text). Throws
 * PolicyError. An identity-based policy may not name a Principal; a
 * resource-based one must.
 */
export function parsePolicy(document: unknown, where: string, kind: 'identity' | 'resource' = 'identity'): Policy {
  const doc = typeof document === 'string' ? parseJson(document, where) : document;
  if (!isObject(doc)) throw new PolicyError(`${where}: a policy must be a JSON object`);
  const version = doc.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw new PolicyError(`${where}: Version must be "2012-10-17" or "2008-10-17"`);
  }
  const raw = doc.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new PolicyError(`${where}: a policy needs at least one Statement`);
  return { statements: list.map((s, i) => parseStatement(s, `${where}.Statement[${i}]`, version === '2012-10-17', kind)) };
}

function parseStatement(s: unknown, where: string, variables: boolean, kind: 'identity' | 'resource'): Statement {
  if (!isObject(s)) throw new PolicyError(`${where}: a statement must be an object`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new PolicyError(`${where}: Effect must be "Allow" or "Deny"`);
  if (kind === 'identity' && ('Principal' in s || 'NotPrincipal' in s)) {
    throw new PolicyError(`${where}: an identity-based policy has no Principal (that belongs in a resource-based policy)`);
  }
  if (kind === 'resource' && 'NotPrincipal' in s) throw new PolicyError(`${where}: NotPrincipal is not supported`);
  if (kind === 'resource' && !('Principal' in s)) throw new PolicyError(`${where}: a resource-based policy statement needs a Principal`);
  if (('Action' in s) === ('NotAction' in s)) throw new PolicyError(`${where}: give exactly one of Action and NotAction`);
  if (('Resource' in s) === ('NotResource' in s)) throw new PolicyError(`${where}: give exactly one of Resource and NotResource`);
  const actions = strings(s.Action ?? s.NotAction, `${where}.${'Action' in s ? 'Action' : 'NotAction'}`);
  const resources = strings(s.Resource ?? s.NotResource, `${where}.${'Resource' in s ? 'Resource' : 'NotResource'}`);
  for (const a of actions) {
    if (a !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(a)) throw new PolicyError(`${where}: '${a}' is not an action (service:Action)`);
  }
  return {
    effect: s.Effect,
    actions: actions.map((a) => wildcard(a, 'i')),
    notAction: 'NotAction' in s,
    resources,
    notResource: 'NotResource' in s,
    resourcePatterns: variables && resources.some((r) => r.includes('${')) ? undefined : resources.map((r) => wildcard(r, '')),
    actionMatches: new Map(),
    resourceMatches: new Map(),
    conditions: s.Condition === undefined ? [] : parseConditions(s.Condition, `${where}.Condition`),
    variables,
    ...(kind === 'resource' ? { principals: parsePrincipal(s.Principal, `${where}.Principal`) } : {}),
  };
}

function parsePrincipal(value: unknown, where: string): string[] {
  if (value === '*') return ['*'];
  if (!isObject(value) || Object.keys(value).some((k) => k !== 'AWS') || value.AWS === undefined) {
    throw new PolicyError(`${where}: must be "*" or {"AWS": <account ids or ARNs>}`);
  }
  return strings(value.AWS, `${where}.AWS`);
}

/**
 * The principal variables' entry holding the caller's own ARN, where it
 * differs from aws:principalarn (a role session's is its role's). A name
 * no condition key can have: it has a space.
 */
export const CALLER_ARN = 'caller arn';

/**
 * Does a resource policy's Principal list name the caller (by
 * `aws:principalarn` — a role session matches its role's ARN — its own
 * ARN, or `aws:principalaccount`)?
 */
function principalMatches(principals: readonly string[], variables: ReadonlyMap<string, string>): boolean {
  const arn = variables.get('aws:principalarn');
  const caller = variables.get(CALLER_ARN);
  const account = variables.get('aws:principalaccount');
  return principals.some((p) => p === '*' || p === arn || p === caller || p === account || p === `arn:aws:iam::${account}:root`);
}

function parseConditions(block: unknown, where: string): Condition[] {
  if (!isObject(block)) throw new PolicyError(`${where}: Condition must be an object`);
  const out: Condition[] = [];
  for (const [name, keys] of Object.entries(block)) {
    let rest = name;
    let set: Condition['set'];
    if (rest.startsWith('ForAllValues:')) set = 'ForAllValues';
    else if (rest.startsWith('ForAnyValue:')) set = 'ForAnyValue';
    if (set !== undefined) rest = rest.slice(set.length + 1);
    const ifExists = rest.endsWith('IfExists');
    if (ifExists) rest = rest.slice(0, -'IfExists'.length);
    if (!OPERATORS.has(rest) || (rest === 'Null' && (ifExists || set !== undefined))) {
      throw new PolicyError(`${where}: unknown condition operator '${name}'`);
    }
    if (!isObject(keys)) throw new PolicyError(`${where}.${name}: must map condition keys to values`);
    for (const [key, value] of Object.entries(keys)) {
      const values = (Array.isArray(value) ? value : [value]).map((v) => {
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') return String(v);
        throw new PolicyError(`${where}.${name}.${key}: values must be strings, numbers or booleans`);
      });
      out.push({ set, operator: rest, ifExists, key: key.toLowerCase(), values });
    }
  }
  return out;
}

/**
 * Evaluates `policies` for one request. `variables` are the principal's
 * policy variables by lower-cased name (`aws:username`, `aws:userid`, …).
 */
export function evaluate(policies: readonly Policy[], request: RequestContext, variables: ReadonlyMap<string, string>): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const s of policy.statements) {
      if (!statementApplies(s, request, variables)) continue;
      if (s.effect === 'Deny') return 'deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicitDeny';
}

function statementApplies(s: Statement, request: RequestContext, variables: ReadonlyMap<string, string>): boolean {
  if (s.principals !== undefined && !principalMatches(s.principals, variables)) return false;
  const action = request.action;
  let actionMatches = s.actionMatches.get(action);
  if (actionMatches === undefined) {
    actionMatches = anyMatches(s.actions, action);
    remember(s.actionMatches, action, actionMatches);
  }
  if (actionMatches === s.notAction) return false;
  const patterns = s.resourcePatterns;
  const resource = request.resource;
  let resourceMatches: boolean | undefined;
  if (patterns !== undefined) {
    resourceMatches = s.resourceMatches.get(resource);
    if (resourceMatches === undefined) {
      resourceMatches = anyMatches(patterns, resource);
      remember(s.resourceMatches, resource, resourceMatches);
    }
  } else {
    resourceMatches = s.resources.some((r) => {
      const pattern = s.variables ? substitute(r, variables) : r;
      return pattern !== undefined && wildcard(pattern, '').test(resource);
    });
  }
  if (resourceMatches === s.notResource) return false;
  // A loop, not every(): no closure per statement (most have no conditions).
  const conditions = s.conditions;
  for (let i = 0; i < conditions.length; i++) {
    if (!conditionHolds(conditions[i]!, request, s.variables ? variables : undefined)) return false;
  }
  return true;
}

function anyMatches(patterns: readonly RegExp[], text: string): boolean {
  for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(text)) return true;
  return false;
}

/** Remembers a match, the map emptied first if ever new texts have filled it (a client naming table after table). */
function remember(matches: Map<string, boolean>, text: string, matched: boolean): void {
  if (matches.size >= 1024) matches.clear();
  matches.set(text, matched);
}

function conditionHolds(c: Condition, request: RequestContext, variables: ReadonlyMap<string, string> | undefined): boolean {
  const present = request.keys.get(c.key) ?? (c.key.startsWith('aws:') ? variables?.get(c.key) : undefined);
  if (c.operator === 'Null') {
    const isNull = present === undefined || (Array.isArray(present) && present.length === 0);
    return c.values.some((v) => (v.toLowerCase() === 'true') === isNull);
  }
  // A variable that cannot be resolved makes its value match nothing (IAM drops it).
  const policyValues: string[] = [];
  for (const v of c.values) {
    const resolved = variables === undefined ? v : substitute(v, variables);
    if (resolved !== undefined) policyValues.push(resolved);
  }
  const negated = NEGATED.has(c.operator);
  const matchesOne = (value: string) => policyValues.some((p) => valueMatches(c.operator, value, p));
  if (c.set === 'ForAllValues') {
    const values = present === undefined ? [] : Array.isArray(present) ? present : [present as string];
    return values.every((v) => (negated ? !matchesOne(v) : matchesOne(v)));
  }
  if (c.set === 'ForAnyValue') {
    const values = present === undefined ? [] : Array.isArray(present) ? present : [present as string];
    return values.some((v) => (negated ? !matchesOne(v) : matchesOne(v)));
  }
  if (present === undefined) return c.ifExists || negated;
  // A single-valued operator on a multi-valued key compares each value (rarely meant; IAM advises the set forms).
  const values = Array.isArray(present) ? present : [present as string];
  if (values.length === 0) return c.ifExists || negated;
  return negated ? values.every((v) => !matchesOne(v)) : values.some((v) => matchesOne(v));
}

/** Does request value `value` match policy value `p` under `operator` (the negated ones: their positive form)? */
function valueMatches(operator: string, value: string, p: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'BinaryEquals':
      return value === p;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return value.toLowerCase() === p.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnLike':
    case 'ArnNotLike':
      return wildcard(p, '').test(value);
    case 'Bool':
      return value.toLowerCase() === p.toLowerCase();
    case 'IpAddress':
    case 'NotIpAddress':
      return ipInCidr(value, p);
    default:
      if (operator.startsWith('Numeric')) return compare(operator.slice(7), Number(value), Number(p));
      if (operator.startsWith('Date')) return compare(operator.slice(4), dateValue(value), dateValue(p));
      return false;
  }
}

function compare(relation: string, a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  switch (relation) {
    case 'Equals':
    case 'NotEquals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThan':
      return a > b;
    case 'GreaterThanEquals':
      return a >= b;
    default:
      return false;
  }
}

/** IAM dates: ISO 8601 or epoch seconds. */
function dateValue(text: string): number {
  return /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  if (a === undefined || b === undefined) return ip === cidr;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.replace(/^::ffff:/, ''));
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/**
 * Replaces `${name}` policy variables (`${*}`, `${?}`, `${$}` stand for the
 * characters themselves; `${name, 'default'}` gives a fallback).
 * Undefined when a variable has no value and no default.
 */
export function substitute(text: string, variables: ReadonlyMap<string, string>): string | undefined {
  if (!text.includes('${')) return text;
  let missing = false;
  const out = text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner === '*' || inner === '?' || inner === '$') return `\u0000${inner}`;
    const comma = inner.indexOf(',');
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim().toLowerCase();
    const value = variables.get(name);
    if (value !== undefined) return escapeWildcards(value);
    const fallback = comma < 0 ? undefined : /^\s*'(.*)'\s*$/.exec(inner.slice(comma + 1))?.[1];
    if (fallback !== undefined) return fallback;
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}

/** A substituted value matches itself literally, even if it holds `*` or `?`. */
function escapeWildcards(value: string): string {
  return value.replace(/[*?]/g, (c) => `\u0000${c}`);
}

/** Compiled patterns: a request's resources and condition values repeat, so each is compiled once. */
const compiled = new Map<string, RegExp>();

/** An IAM wildcard pattern (`*`, `?`; NUL-escaped ones literal) as an anchored regular expression. */
function wildcard(pattern: string, flags: string): RegExp {
  const id = `${flags}\u0001${pattern}`;
  let re = compiled.get(id);
  if (re === undefined) {
    re = compileWildcard(pattern, flags);
    if (compiled.size >= 10000) compiled.clear();
    compiled.set(id, re);
  }
  return re;
}

function compileWildcard(pattern: string, flags: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\u0000' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]!);
    } else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, `${flags}s`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function strings(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string')) throw new PolicyError(`${where}: must be a string or a list of strings`);
  return list as string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PolicyError(`${where}: not JSON (${(e as Error).message})`);
  }
}
