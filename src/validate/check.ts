/**
 * @module validate/check
 * Runs a request through its operation schema in DynamoDB's order: the
 * deserialiser's type checks (SerializationException, first problem wins),
 * then Coral's constraint checks (every violation, at most ten, in one
 * ValidationException), then the shape rules DynamoDB's service code
 * words itself (schema.ts: nullMember, nullValue, emptyKey, …). Members
 * not in the schema are dropped, as DynamoDB's deserialiser ignores
 * unknown members.
 */
import { errors } from '../errors/index.js';
import { checkAttributeValueShape } from '../values/index.js';
import type { ListShape, MapShape, OperationSchema, Shape, StringShape } from './schema.js';
import { TABLE_NAME_PATTERN } from './schema.js';

const MAX_REPORTED_VIOLATIONS = 10;

/** Type-checks `input` against the schema and returns it with unknown members removed. */
export function checkTypes(input: unknown, schema: OperationSchema): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw errors.serialization(
      Array.isArray(input) ? 'Start of list found where not expected' : 'Expected map or null',
    );
  }
  return checkStructureMembers(input as Record<string, unknown>, schema.members);
}

function checkStructureMembers(
  input: Record<string, unknown>,
  members: Readonly<Record<string, Shape>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in members) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    out[name] = checkType(value, members[name]!);
  }
  return out;
}

function javaNumberClass(n: number): string {
  if (!Number.isInteger(n)) return 'java.lang.Double';
  if (n >= -32768 && n <= 32767) return 'java.lang.Short';
  if (n >= -2147483648 && n <= 2147483647) return 'java.lang.Integer';
  return 'java.lang.Long';
}

function objectMismatch(value: object): never {
  if (Array.isArray(value)) throw errors.serialization('Start of list found where not expected');
  throw errors.serialization('Start of structure or map found where not expected.');
}

function checkType(value: unknown, shape: Shape): unknown {
  switch (shape.type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'boolean') throw errors.serialization('class java.lang.Boolean can not be converted to an String');
      if (typeof value === 'number')
        throw errors.serialization(`class ${javaNumberClass(value)} can not be converted to an String`);
      return objectMismatch(value as object);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') {
        const cls = javaNumberClass(value);
        if (cls !== 'java.lang.Double') throw errors.serialization(`class ${cls} can not be converted to an Boolean`);
        return Math.abs(value) >= 1;
      }
      if (typeof value === 'string')
        throw errors.serialization(`'${value.toUpperCase()}' can not be converted to an Boolean`);
      return objectMismatch(value as object);
    case 'integer':
    case 'long':
    case 'double': {
      const javaType = shape.type === 'integer' ? 'Integer' : shape.type === 'long' ? 'Long' : 'Double';
      if (typeof value === 'number') return shape.type === 'double' ? value : Math.trunc(value);
      if (typeof value === 'boolean') throw errors.serialization(`class java.lang.Boolean can not be converted to an ${javaType}`);
      if (typeof value === 'string') throw errors.serialization(`class java.lang.String can not be converted to an ${javaType}`);
      return objectMismatch(value as object);
    }
    case 'blob':
      if (typeof value === 'string') return value;
      if (typeof value === 'boolean') throw errors.serialization('class java.lang.Boolean can not be converted to a Blob');
      if (typeof value === 'number')
        throw errors.serialization(`class ${javaNumberClass(value)} can not be converted to a Blob`);
      return objectMismatch(value as object);
    case 'list':
      if (!Array.isArray(value)) {
        if (typeof value === 'object') throw errors.serialization('Start of structure or map found where not expected.');
        throw errors.serialization('Expected list or null');
      }
      return value.map((member) => (member === null ? null : checkType(member, shape.member)));
    case 'map': {
      if (typeof value !== 'object') throw errors.serialization('Expected map or null');
      if (Array.isArray(value)) throw errors.serialization('Start of list found where not expected');
      if (shape.value.type === 'attributeValue' || shape.value.type === 'string') {
        // Values of these shapes come back as they are, so the map does too:
        // no copy of every Item on every request. (A copy would also turn a
        // "__proto__" member into the copy's prototype.)
        const map = value as Record<string, unknown>;
        for (const k in map) {
          const v = map[k];
          if (v !== null) checkType(v, shape.value);
        }
        return map;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] = v === null ? null : checkType(v, shape.value);
      }
      return out;
    }
    case 'structure':
      if (typeof value !== 'object') throw errors.serialization('Expected null');
      if (Array.isArray(value)) throw errors.serialization('Start of list found where not expected');
      return checkStructureMembers(value as Record<string, unknown>, shape.members);
    case 'attributeValue':
      checkAttributeValueShape(value);
      return value;
    default: {
      const never: never = shape;
      return never;
    }
  }
}

/**
 * Checks constraints over an input that passed checkTypes, throwing one
 * ValidationException that lists up to ten violations. When none failed,
 * the first shape problem DynamoDB's service code refuses with its own
 * message (a null member, ListShape.nullMember; an empty attribute name,
 * MapShape.emptyKey…) is reported next.
 */
export function checkConstraints(input: Record<string, unknown>, schema: OperationSchema): void {
  const ctx: Context = { style: schema.newStyleMessages ? 'new' : 'classic', out: [], serviceError: undefined, mapKey: '' };
  // This runs for every request: each top-level member's kind of check is
  // worked out once per schema, and most present members need none.
  for (const { name, shape, kind } of planOf(schema)) {
    const value = input[name];
    if (value === undefined || value === null) {
      if (shape.required) visit(value, shape, name, undefined, ctx);
    } else if (kind === 'emptyKey') {
      if ('' in (value as object)) ctx.serviceError ??= (shape as MapShape).emptyKey;
    } else if (kind === 'visit') {
      visit(value, shape, name, undefined, ctx);
    }
  }
  const violations = ctx.out;
  if (violations.length > 0) {
    const n = violations.length;
    throw errors.validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${violations.join('; ')}`);
  }
  if (ctx.serviceError !== undefined) throw errors.validation(ctx.serviceError);
}

type Style = 'classic' | 'new';

/** How checkConstraints treats a present top-level member. */
interface MemberPlan {
  readonly name: string;
  readonly shape: Shape;
  /** `none`: nothing to check; `emptyKey`: an item, whose one check is the empty attribute name. */
  readonly kind: 'none' | 'emptyKey' | 'visit';
}

const plans = new WeakMap<OperationSchema, readonly MemberPlan[]>();

function planOf(schema: OperationSchema): readonly MemberPlan[] {
  let plan = plans.get(schema);
  if (plan === undefined) {
    plan = Object.entries(schema.members).map(([name, shape]) => ({
      name,
      shape,
      kind: unconstrained(shape)
        ? 'none'
        : shape.type === 'map' &&
            shape.value.type === 'attributeValue' &&
            shape.min === undefined &&
            shape.max === undefined &&
            shape.key === undefined &&
            shape.emptyValue === undefined
          ? 'emptyKey'
          : 'visit',
    }));
    plans.set(schema, plan);
  }
  return plan;
}

interface Context {
  readonly style: Style;
  /** The violations found so far (at most ten are kept). */
  readonly out: string[];
  /** The first service-code message (a null member, an empty name) the request calls for. */
  serviceError: string | undefined;
  /** The key of the map entry being visited, for `{key}` in those messages. */
  mapKey: string;
}

/** True when no value of this shape can violate a constraint. */
function unconstrained(shape: Shape): boolean {
  switch (shape.type) {
    case 'boolean':
    case 'blob':
    case 'attributeValue':
      return true;
    case 'string':
      return (
        shape.min === undefined &&
        shape.max === undefined &&
        shape.pattern === undefined &&
        shape.enum === undefined &&
        !shape.tableNameOrArn
      );
    case 'map':
      return (
        shape.min === undefined &&
        shape.max === undefined &&
        shape.key === undefined &&
        shape.emptyKey === undefined &&
        shape.emptyValue === undefined &&
        (shape.value.type === 'attributeValue' || (shape.value.type === 'string' && unconstrained(shape.value)))
      );
    default:
      return false;
  }
}

function memberPath(parent: string | undefined, name: string, style: Style): string {
  const own = style === 'new' ? name : lowerFirst(name);
  return parent === undefined ? own : `${parent}.${own}`;
}

export function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

/**
 * A null list member or map value at `path` (the member's own path, ending
 * in `.member`): DynamoDB's service message if the shape names one, else
 * Coral's "Member must not be null" for a member the operation needs.
 */
function nullMember(message: string | undefined, member: Shape, path: string, ctx: Context): void {
  if (message !== undefined) {
    ctx.serviceError ??= message.replace('{key}', ctx.mapKey);
  } else if (member.type !== 'attributeValue' && ctx.out.length < MAX_REPORTED_VIOLATIONS) {
    // (A null AttributeValue is left to the operation, which names the
    // attribute or placeholder in its message.)
    ctx.out.push(violation(null, path, 'Member must not be null', member, ctx.style));
  }
}

function visit(value: unknown, shape: Shape, name: string, parent: string | undefined, ctx: Context): void {
  const out = ctx.out;
  if (out.length >= MAX_REPORTED_VIOLATIONS) return;
  // Most members of most requests are absent or unconstrained: leave before
  // building a path and a closure for them (this runs for every request).
  if (value === undefined || value === null ? !shape.required : unconstrained(shape)) return;
  if (shape.type === 'map' && value != null && serviceChecksOnly(value as Record<string, unknown>, shape, ctx)) return;
  const style = ctx.style;
  const path = memberPath(parent, name, style);
  const fail = (constraint: string) => {
    if (out.length < MAX_REPORTED_VIOLATIONS) out.push(violation(value, path, constraint, shape, style));
  };
  if (value === undefined || value === null) {
    if (shape.required) fail('Member must not be null');
    return;
  }
  switch (shape.type) {
    case 'string':
      checkString(value as string, shape, fail);
      return;
    case 'integer':
    case 'long':
    case 'double': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case 'list': {
      const items = value as unknown[];
      checkLength(items.length, shape, fail);
      visitListMembers(items, shape, path, ctx);
      if (shape.emptyMember !== undefined && ctx.serviceError === undefined && items.includes('')) {
        ctx.serviceError = shape.emptyMember;
      }
      return;
    }
    case 'map': {
      if (shape.emptyKey !== undefined && '' in (value as object)) ctx.serviceError ??= shape.emptyKey;
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(entries.length, shape, fail);
      const outerKey = ctx.mapKey;
      // Keys' constraints are reported, as a map value's are, once against
      // the whole map: "Map keys must satisfy constraint: [every constraint
      // of the key, upper bound first]" (dynalite's DynamoDB-verified tests).
      let keyConstraints: readonly string[] | undefined;
      for (const [k] of entries) {
        if (shape.key === undefined || keyConstraints !== undefined) break;
        keyConstraints = failedKeyConstraints(k, shape.key);
      }
      if (keyConstraints !== undefined) fail(`Map keys must satisfy constraint: [${keyConstraints.join(', ')}]`);
      for (const [k, v] of entries) {
        ctx.mapKey = k;
        if (v === null) {
          nullMember(shape.nullValue, shape.value, `${path}.${k}.member`, ctx);
          continue;
        }
        if (v === '' && shape.emptyValue !== undefined) ctx.serviceError ??= shape.emptyValue.replace('{key}', k);
        // A map value's own constraints are reported against the map as a
        // whole: "Map value must satisfy constraint: [...]".
        // When one fails, Coral lists every length constraint of the value, upper bound first.
        if (shape.value.type === 'list' || shape.value.type === 'map') {
          const len = Array.isArray(v) ? v.length : Object.keys(v as object).length;
          let failed = false;
          checkLength(len, shape.value, () => (failed = true));
          if (failed) {
            const all: string[] = [];
            if (shape.value.max !== undefined) all.push(`Member must have length less than or equal to ${shape.value.max}`);
            if (shape.value.min !== undefined) all.push(`Member must have length greater than or equal to ${shape.value.min}`);
            fail(`Map value must satisfy constraint: [${all.join(', ')}]`);
          }
        }
        visitMapValueChildren(v, shape.value, `${path}.${k}`, ctx);
      }
      ctx.mapKey = outerKey;
      return;
    }
    case 'structure':
      for (const member in shape.members) {
        visit((value as Record<string, unknown>)[member], shape.members[member]!, member, path, ctx);
      }
      return;
    case 'boolean':
    case 'blob':
    case 'attributeValue':
      return;
    default: {
      const never: never = shape;
      return never;
    }
  }
}

/**
 * Items and ExpressionAttributeNames, in every request: maps whose only
 * checks are the service's empty-name ones are checked here, without the
 * path strings and closures of a full visit. True when the map is done.
 */
function serviceChecksOnly(map: Record<string, unknown>, shape: MapShape, ctx: Context): boolean {
  if (shape.min !== undefined || shape.max !== undefined || shape.key !== undefined) return false;
  if (shape.value.type === 'attributeValue') {
    // The values are AttributeValues, checked by the operation.
    if (shape.emptyKey !== undefined && '' in map) ctx.serviceError ??= shape.emptyKey;
    return true;
  }
  if (shape.value.type !== 'string' || !unconstrained(shape.value)) return false;
  if (shape.emptyKey !== undefined && '' in map) ctx.serviceError ??= shape.emptyKey;
  if (shape.emptyValue !== undefined) {
    for (const k in map) {
      if (map[k] === '') ctx.serviceError ??= shape.emptyValue.replace('{key}', k);
    }
  }
  return true;
}

function visitListMembers(items: readonly unknown[], shape: ListShape, path: string, ctx: Context): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null) nullMember(shape.nullMember, shape.member, `${path}.${i + 1}.member`, ctx);
    else visit(item, shape.member, 'member', `${path}.${i + 1}`, ctx);
  }
}

/**
 * Visits what lies inside a map value (its members), whose own length was
 * checked by the map. Coral names a map value `<map>.<key>.member`, as it
 * names a list's (`requestItems.t.member.1.member.putRequest.item`).
 */
function visitMapValueChildren(value: unknown, shape: Shape, path: string, ctx: Context): void {
  if (shape.type === 'list') {
    visitListMembers(value as unknown[], shape, `${path}.member`, ctx);
  } else if (shape.type === 'structure') {
    for (const member in shape.members) {
      visit((value as Record<string, unknown>)[member], shape.members[member]!, member, `${path}.member`, ctx);
    }
  }
}

/** Every constraint of a key shape, when `key` breaks one of them (else undefined). */
function failedKeyConstraints(key: string, shape: StringShape): readonly string[] | undefined {
  let failed = false;
  checkString(key, shape, () => (failed = true));
  if (!failed) return undefined;
  if (shape.tableNameOrArn) {
    // A key that is no valid table name (nor ARN) breaks the name rules.
    return key.length < 1 || key.length > 1024
      ? ['Member must have length less than or equal to 1024', 'Member must have length greater than or equal to 1']
      : [
          'Member must have length less than or equal to 255',
          'Member must have length greater than or equal to 3',
          `Member must satisfy regular expression pattern: ${TABLE_NAME_PATTERN}`,
        ];
  }
  const all: string[] = [];
  if (shape.max !== undefined) all.push(`Member must have length less than or equal to ${shape.max}`);
  if (shape.min !== undefined) all.push(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.pattern !== undefined) all.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  if (shape.enum !== undefined) all.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  return all;
}

function checkLength(length: number, shape: { min?: number; max?: number }, fail: (c: string) => void): void {
  if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
}

function checkString(s: string, shape: StringShape, fail: (c: string) => void): void {
  if (shape.enum && !shape.enum.includes(s)) {
    fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
    return;
  }
  if (shape.tableNameOrArn) {
    const before = s.length;
    if (before < 1) return fail('Member must have length greater than or equal to 1');
    if (before > 1024) return fail('Member must have length less than or equal to 1024');
    if (s.startsWith('arn:')) return;
    if (!TABLE_NAME_REGEXP.test(s))
      fail(`Member must satisfy regular expression pattern: ${TABLE_NAME_PATTERN}`);
    if (s.length < 3) fail('Member must have length greater than or equal to 3');
    if (s.length > 255) fail('Member must have length less than or equal to 255');
    return;
  }
  if (shape.pattern !== undefined && !patternRegExp(shape.pattern).test(s))
    fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  checkLength(s.length, shape, fail);
}

const TABLE_NAME_REGEXP = new RegExp(`^${TABLE_NAME_PATTERN}$`);
const patternCache = new Map<string, RegExp>();

/** Schema patterns are a handful of constants: compile each once. */
function patternRegExp(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^(?:${pattern})$`);
    patternCache.set(pattern, re);
  }
  return re;
}

function violation(value: unknown, path: string, constraint: string, shape: Shape, style: Style): string {
  if (style === 'new') return `Value at '${path}' failed to satisfy constraint: ${constraint}`;
  const rendered = value === undefined || value === null ? 'null' : `'${renderJava(value, shape)}'`;
  return `Value ${rendered} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** Renders a value as DynamoDB's Java service prints it in messages (toString of its model class). */
export function renderJava(value: unknown, shape?: Shape): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    const member = shape?.type === 'list' ? shape.member : undefined;
    return `[${value.map((v) => renderJava(v, member)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    if (shape?.type === 'structure' && shape.javaName) {
      const parts = Object.keys(shape.members)
        .filter((m) => (value as Record<string, unknown>)[m] !== undefined)
        .map((m) => `${lowerFirst(m)}=${renderJava((value as Record<string, unknown>)[m], shape.members[m])}`);
      return `${shape.javaName}(${parts.join(', ')})`;
    }
    const valueShape = shape?.type === 'map' ? shape.value : undefined;
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${renderJava(v, valueShape)}`)
      .join(', ')}}`;
  }
  return String(value);
}
