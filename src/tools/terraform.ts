/**
 * @module tools/terraform
 * Tables from Terraform: `aws_dynamodb_table` resources in HCL (.tf, turned
 * into JSON by @cdktf/hcl2json, loaded at first use: it is a WebAssembly
 * build of HashiCorp's own parser, external to the bundle) or in Terraform's
 * JSON syntax (.tf.json).
 *
 * Expressions are evaluated as far as a table's arguments use them:
 * literals, `var.NAME` (variables' defaults, overridden by --var), `local.NAME`,
 * indexing, arithmetic, comparisons, `&&`/`||`/`!`, `cond ? a : b`, string
 * templates, and the functions lower, upper, format (%s/%d), lookup, merge,
 * concat, coalesce, tostring, tonumber, tobool. `count` of 0 or 1 is
 * honoured; for_each, dynamic blocks and references to other resources are
 * refused with their place, since they need a Terraform run.
 */
import { createRequire } from 'node:module';
import {
  TemplateError,
  checkSpec,
  toBoolean,
  toNumber,
  toStringValue,
  type AttributeDefinition,
  type IndexSpec,
  type KeySchemaElement,
  type OnDemandThroughput,
  type Projection,
  type TableSpec,
} from './table-spec.js';

type Json = Record<string, unknown>;

/** HCL text → Terraform's JSON form, by HashiCorp's parser (WebAssembly). */
export async function hclToJson(file: string, text: string): Promise<Json> {
  const require = createRequire(import.meta.url);
  const { parse } = require('@cdktf/hcl2json') as { parse(filename: string, contents: string): Promise<Json> };
  try {
    return await parse(file, text);
  } catch (e) {
    throw new TemplateError(`${file}: not valid HCL: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Is this (Terraform JSON) document one with resources or variables? */
export function isTerraform(doc: Json): boolean {
  return typeof doc.resource === 'object' || typeof doc.variable === 'object';
}

/** A block as a list of bodies: HCL's JSON gives lists, hand-written .tf.json often a single object. */
function blocks(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v): v is Json => typeof v === 'object' && v !== null);
  return typeof value === 'object' ? [value as Json] : [];
}

/** The variables a configuration declares (a --var must name one: tools/apply checks over all files). */
export function declaredVariables(doc: Json): string[] {
  return Object.keys(Object.assign({}, ...blocks(doc.variable)) as Json);
}

export function tablesFromTerraform(doc: Json, vars: Readonly<Record<string, string>>): TableSpec[] {
  const scope = new Scope(doc, vars);
  const specs: TableSpec[] = [];
  for (const typed of blocks(doc.resource)) {
    for (const [name, bodyList] of Object.entries(blocks(typed.aws_dynamodb_table)[0] ?? {})) {
      for (const body of blocks(bodyList)) {
        const where = `aws_dynamodb_table.${name}`;
        if (body.for_each !== undefined) throw new TemplateError(`${where}: for_each is not supported by openddb apply`);
        if (body.dynamic !== undefined) throw new TemplateError(`${where}: dynamic blocks are not supported by openddb apply`);
        if (body.count !== undefined) {
          const count = toNumber(scope.evaluate(body.count, `${where}.count`), `${where}.count`);
          if (count === 0) continue;
          if (count !== 1) throw new TemplateError(`${where}: count = ${count}; openddb apply takes count 0 or 1`);
        }
        specs.push(table(where, scope, body));
      }
    }
  }
  return specs.map(checkSpec);
}

function table(where: string, scope: Scope, body: Json): TableSpec {
  const get = (key: string, from: Json = body, at = where) => scope.evaluate(from[key], `${at}.${key}`);
  const str = (key: string, from: Json = body, at = where) => toStringValue(get(key, from, at), `${at}.${key}`);
  for (const unsupported of ['import_table', 'replica', 'restore_source_name', 'restore_source_table_arn', 'restore_to_latest_time', 'restore_date_time']) {
    if (body[unsupported] !== undefined) throw new TemplateError(`${where}.${unsupported} is not supported by openddb apply`);
  }
  const name = str('name');
  if (name === undefined) throw new TemplateError(`${where}: name is required`);
  const mode = str('billing_mode') ?? 'PROVISIONED';
  if (mode !== 'PROVISIONED' && mode !== 'PAY_PER_REQUEST') throw new TemplateError(`${where}.billing_mode must be PROVISIONED or PAY_PER_REQUEST, not '${mode}'`);
  const provisioned = mode === 'PROVISIONED';
  const keys = (hash: string | undefined, range: string | undefined, at: string): KeySchemaElement[] => {
    if (hash === undefined) throw new TemplateError(`${at}: hash_key is required`);
    return [{ AttributeName: hash, KeyType: 'HASH' }, ...(range !== undefined ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : [])];
  };
  const projection = (b: Json, at: string): Projection => {
    const type = (str('projection_type', b, at) ?? 'ALL') as Projection['ProjectionType'];
    const nonKey = get('non_key_attributes', b, at);
    return Array.isArray(nonKey) && nonKey.length > 0 ? { ProjectionType: type, NonKeyAttributes: nonKey.map(String) } : { ProjectionType: type };
  };
  const onDemand = (b: Json, at: string): OnDemandThroughput | undefined => {
    const od = blocks(b.on_demand_throughput)[0];
    if (od === undefined) return undefined;
    const r = toNumber(get('max_read_request_units', od, at), `${at}.on_demand_throughput.max_read_request_units`);
    const w = toNumber(get('max_write_request_units', od, at), `${at}.on_demand_throughput.max_write_request_units`);
    return { ...(r !== undefined ? { MaxReadRequestUnits: r } : {}), ...(w !== undefined ? { MaxWriteRequestUnits: w } : {}) };
  };
  const capacity = (b: Json, at: string) => ({
    ReadCapacityUnits: toNumber(get('read_capacity', b, at), `${at}.read_capacity`) ?? 0,
    WriteCapacityUnits: toNumber(get('write_capacity', b, at), `${at}.write_capacity`) ?? 0,
  });
  const gsis = blocks(body.global_secondary_index).map((b, i): IndexSpec => {
    const at = `${where}.global_secondary_index[${i}]`;
    const od = onDemand(b, at);
    return {
      IndexName: str('name', b, at) ?? '',
      KeySchema: keys(str('hash_key', b, at), str('range_key', b, at), at),
      Projection: projection(b, at),
      ...(provisioned ? { ProvisionedThroughput: capacity(b, at) } : {}),
      ...(od !== undefined ? { OnDemandThroughput: od } : {}),
    };
  });
  const hashKey = str('hash_key');
  const lsis = blocks(body.local_secondary_index).map((b, i): IndexSpec => {
    const at = `${where}.local_secondary_index[${i}]`;
    return { IndexName: str('name', b, at) ?? '', KeySchema: keys(hashKey, str('range_key', b, at), at), Projection: projection(b, at) };
  });
  const attributes = blocks(body.attribute).map((b, i): AttributeDefinition => {
    const at = `${where}.attribute[${i}]`;
    return { AttributeName: str('name', b, at) ?? '', AttributeType: (str('type', b, at) ?? '') as AttributeDefinition['AttributeType'] };
  });
  const ttlBlock = blocks(body.ttl)[0];
  const ttlOn = ttlBlock !== undefined && toBoolean(get('enabled', ttlBlock, `${where}.ttl`), `${where}.ttl.enabled`) !== false;
  const ttlAttribute = ttlOn && ttlBlock !== undefined ? str('attribute_name', ttlBlock, `${where}.ttl`) : undefined;
  const pitrBlock = blocks(body.point_in_time_recovery)[0];
  const sseBlock = blocks(body.server_side_encryption)[0];
  const streamOn = toBoolean(get('stream_enabled'), `${where}.stream_enabled`) === true;
  const tagValue = get('tags');
  const tags = tagValue === undefined || tagValue === null ? {} : tagValue;
  if (typeof tags !== 'object' || Array.isArray(tags)) throw new TemplateError(`${where}.tags must be a map`);
  const tableClass = str('table_class');
  const deletion = toBoolean(get('deletion_protection_enabled'), `${where}.deletion_protection_enabled`);
  const od = onDemand(body, where);
  const sseOn = sseBlock === undefined ? undefined : toBoolean(get('enabled', sseBlock, `${where}.server_side_encryption`), `${where}.server_side_encryption.enabled`);
  const kms = sseBlock === undefined ? undefined : str('kms_key_arn', sseBlock, `${where}.server_side_encryption`);
  return {
    source: where,
    TableName: name,
    AttributeDefinitions: attributes,
    KeySchema: keys(hashKey, str('range_key'), where),
    BillingMode: mode,
    ...(provisioned ? { ProvisionedThroughput: capacity(body, where) } : {}),
    ...(!provisioned && od !== undefined ? { OnDemandThroughput: od } : {}),
    GlobalSecondaryIndexes: gsis,
    LocalSecondaryIndexes: lsis,
    ...(streamOn ? { StreamViewType: (str('stream_view_type') ?? '') as NonNullable<TableSpec['StreamViewType']> } : {}),
    ...(sseOn !== undefined ? { SSESpecification: { Enabled: sseOn, ...(sseOn ? { SSEType: 'KMS' } : {}), ...(sseOn && kms !== undefined ? { KMSMasterKeyId: kms } : {}) } } : {}),
    ...(tableClass !== undefined && tableClass !== '' ? { TableClass: tableClass as TableSpec['TableClass'] } : {}),
    ...(deletion !== undefined ? { DeletionProtectionEnabled: deletion } : {}),
    ...(ttlAttribute !== undefined ? { TimeToLiveAttribute: ttlAttribute } : {}),
    PointInTimeRecovery: pitrBlock !== undefined && toBoolean(get('enabled', pitrBlock, `${where}.point_in_time_recovery`), `${where}.point_in_time_recovery.enabled`) === true,
    Tags: Object.fromEntries(Object.entries(tags as Json).map(([k, v]) => [k, String(v as string)])),
  };
}

/** Variables (defaults, then --var) and locals, evaluated lazily. */
class Scope {
  private readonly variables = new Map<string, unknown>();
  private readonly localExprs = new Map<string, unknown>();
  private readonly locals = new Map<string, unknown>();

  constructor(doc: Json, vars: Readonly<Record<string, string>>) {
    const declared = Object.assign({}, ...blocks(doc.variable)) as Json;
    for (const [name, decls] of Object.entries(declared)) {
      const decl = blocks(decls)[0] ?? {};
      const given = vars[name];
      if (given !== undefined) {
        const type = typeof decl.type === 'string' ? decl.type.replace(/^\$\{(.*)\}$/, '$1') : 'string';
        this.variables.set(name, type === 'number' ? Number(given) : type === 'bool' ? given === 'true' : given);
      } else if ('default' in decl) this.variables.set(name, decl.default);
    }
    for (const block of blocks(doc.locals)) for (const [k, v] of Object.entries(block)) this.localExprs.set(k, v);
  }

  variable(name: string, where: string): unknown {
    if (!this.variables.has(name)) throw new TemplateError(`${where}: variable ${name} has no default: pass --var ${name}=VALUE`);
    return this.evaluate(this.variables.get(name), `var.${name}`);
  }

  local(name: string, where: string): unknown {
    if (this.locals.has(name)) return this.locals.get(name);
    if (!this.localExprs.has(name)) throw new TemplateError(`${where}: no local value ${name}`);
    this.locals.set(name, null); // a cycle resolves to null rather than recursing forever
    const value = this.evaluate(this.localExprs.get(name), `local.${name}`);
    this.locals.set(name, value);
    return value;
  }

  /** A JSON value with `${…}` templates in its strings, evaluated. */
  evaluate(value: unknown, where: string): unknown {
    if (typeof value === 'string') return evaluateTemplate(value, this, where);
    if (Array.isArray(value)) return value.map((v, i) => this.evaluate(v, `${where}[${i}]`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.evaluate(v, `${where}.${k}`)]));
    }
    return value;
  }
}

/** `"${expr}"` alone is the expression's value; otherwise each `${…}` is interpolated into the string. */
export function evaluateTemplate(text: string, scope: Pick<Scope, 'variable' | 'local'>, where: string): unknown {
  const parts: unknown[] = [];
  let i = 0;
  let literal = '';
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = matchingBrace(text, i + 2, where);
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push({ value: new ExpressionParser(text.slice(i + 2, end), scope, where).parseAll() });
      i = end + 1;
    } else {
      literal += text[i];
      i++;
    }
  }
  if (literal !== '') parts.push(literal);
  if (parts.length === 1 && typeof parts[0] === 'object') return (parts[0] as { value: unknown }).value;
  return parts.map((p) => (typeof p === 'string' ? p : stringify((p as { value: unknown }).value, where))).join('');
}

function matchingBrace(text: string, from: number, where: string): number {
  let depth = 1;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  throw new TemplateError(`${where}: unterminated \${ in ${JSON.stringify(text)}`);
}

function stringify(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: cannot put ${JSON.stringify(value)} into a string`);
}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_-]*)|(==|!=|<=|>=|&&|\|\||[-+*/%<>!?:()[\].,{}=]))/y;

/** A recursive-descent evaluator of Terraform's expression syntax, the part a table needs. */
class ExpressionParser {
  private readonly tokens: string[] = [];
  private pos = 0;

  constructor(
    text: string,
    private readonly scope: Pick<Scope, 'variable' | 'local'>,
    private readonly where: string,
  ) {
    TOKEN.lastIndex = 0;
    let at = 0;
    while (at < text.length) {
      if (/^\s*$/.test(text.slice(at))) break;
      TOKEN.lastIndex = at;
      const m = TOKEN.exec(text);
      if (m === null) throw new TemplateError(`${where}: cannot read the expression ${JSON.stringify(text)} at '${text.slice(at)}'`);
      this.tokens.push(m[0].trim());
      at = TOKEN.lastIndex;
    }
  }

  private fail(what: string): never {
    throw new TemplateError(`${this.where}: ${what} in \${${this.tokens.join(' ')}}`);
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private eat(token: string): boolean {
    if (this.tokens[this.pos] === token) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected '${token}'`);
  }

  parseAll(): unknown {
    const value = this.conditional();
    if (this.pos !== this.tokens.length) this.fail(`unexpected '${this.peek()}'`);
    return value;
  }

  private conditional(): unknown {
    const cond = this.or();
    if (!this.eat('?')) return cond;
    const a = this.conditional();
    this.expect(':');
    const b = this.conditional();
    return cond === true ? a : b;
  }

  private or(): unknown {
    let left = this.and();
    while (this.eat('||')) {
      const right = this.and();
      left = left === true || right === true;
    }
    return left;
  }

  private and(): unknown {
    let left = this.equality();
    while (this.eat('&&')) {
      const right = this.equality();
      left = left === true && right === true;
    }
    return left;
  }

  private equality(): unknown {
    let left = this.comparison();
    for (;;) {
      if (this.eat('==')) left = JSON.stringify(left) === JSON.stringify(this.comparison());
      else if (this.eat('!=')) left = JSON.stringify(left) !== JSON.stringify(this.comparison());
      else return left;
    }
  }

  private comparison(): unknown {
    let left = this.additive();
    for (;;) {
      const op = this.peek();
      if (op !== '<' && op !== '>' && op !== '<=' && op !== '>=') return left;
      this.pos++;
      const a = Number(left);
      const b = Number(this.additive());
      left = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
  }

  private additive(): unknown {
    let left = this.multiplicative();
    for (;;) {
      if (this.eat('+')) left = Number(left) + Number(this.multiplicative());
      else if (this.eat('-')) left = Number(left) - Number(this.multiplicative());
      else return left;
    }
  }

  private multiplicative(): unknown {
    let left = this.unary();
    for (;;) {
      if (this.eat('*')) left = Number(left) * Number(this.unary());
      else if (this.eat('/')) left = Number(left) / Number(this.unary());
      else if (this.eat('%')) left = Number(left) % Number(this.unary());
      else return left;
    }
  }

  private unary(): unknown {
    if (this.eat('!')) return this.unary() !== true;
    if (this.eat('-')) return -Number(this.unary());
    return this.postfix(this.primary());
  }

  private postfix(value: unknown): unknown {
    for (;;) {
      if (this.eat('.')) {
        const name = this.tokens[this.pos++];
        if (name === undefined) this.fail('expected an attribute name');
        value = index(value, /^\d+$/.test(name) ? Number(name) : name, this.where);
      } else if (this.eat('[')) {
        const key = this.conditional();
        this.expect(']');
        value = index(value, key, this.where);
      } else return value;
    }
  }

  private primary(): unknown {
    const token = this.tokens[this.pos++];
    if (token === undefined) this.fail('unexpected end');
    if (token === '(') {
      const v = this.conditional();
      this.expect(')');
      return v;
    }
    if (/^\d/.test(token)) return Number(token);
    if (token.startsWith('"')) {
      const raw = JSON.parse(token) as string;
      return evaluateTemplate(raw, this.scope, this.where);
    }
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    if (token === '[') {
      const list: unknown[] = [];
      while (!this.eat(']')) {
        list.push(this.conditional());
        if (!this.eat(',') && this.peek() !== ']') this.fail("expected ',' or ']'");
      }
      return list;
    }
    if (token === '{') {
      const map: Record<string, unknown> = {};
      while (!this.eat('}')) {
        const keyToken = this.tokens[this.pos++];
        if (keyToken === undefined) this.fail('unexpected end');
        const key = keyToken.startsWith('"') ? (JSON.parse(keyToken) as string) : keyToken;
        if (!this.eat('=') && !this.eat(':')) this.fail("expected '=' in a map");
        map[key] = this.conditional();
        this.eat(',');
      }
      return map;
    }
    if (token === 'var' || token === 'local') {
      this.expect('.');
      const name = this.tokens[this.pos++];
      if (name === undefined) this.fail('expected a name');
      return token === 'var' ? this.scope.variable(name, this.where) : this.scope.local(name, this.where);
    }
    if (/^[A-Za-z_]/.test(token) && this.peek() === '(') {
      this.pos++;
      const args: unknown[] = [];
      while (!this.eat(')')) {
        args.push(this.conditional());
        if (!this.eat(',') && this.peek() !== ')') this.fail("expected ',' or ')'");
      }
      return callFunction(token, args, this.where);
    }
    this.fail(`'${token}' is not supported (openddb apply evaluates var., local., literals and simple functions; references to other resources need a Terraform run)`);
  }
}

function index(value: unknown, key: unknown, where: string): unknown {
  if (Array.isArray(value) && typeof key === 'number') return value[key];
  if (value !== null && typeof value === 'object' && (typeof key === 'string' || typeof key === 'number')) return (value as Record<string, unknown>)[String(key)];
  throw new TemplateError(`${where}: cannot index ${JSON.stringify(value)} with ${JSON.stringify(key)}`);
}

function callFunction(name: string, args: unknown[], where: string): unknown {
  switch (name) {
    case 'lower':
      return String(args[0] as string).toLowerCase();
    case 'upper':
      return String(args[0] as string).toUpperCase();
    case 'tostring':
      return String(args[0] as string);
    case 'tonumber':
      return Number(args[0]);
    case 'tobool':
      return args[0] === true || args[0] === 'true';
    case 'format': {
      let i = 1;
      return String(args[0] as string).replace(/%[sdv%]/g, (m) => (m === '%%' ? '%' : String(args[i++] as string)));
    }
    case 'lookup': {
      const map = args[0] as Record<string, unknown> | null;
      const v = map !== null && typeof map === 'object' ? map[String(args[1] as string)] : undefined;
      if (v === undefined && args.length < 3) throw new TemplateError(`${where}: lookup found no key ${String(args[1] as string)}`);
      return v ?? args[2];
    }
    case 'merge':
      return Object.assign({}, ...args.filter((a) => a !== null)) as unknown;
    case 'concat':
      return args.flatMap((a) => (Array.isArray(a) ? a : []));
    case 'coalesce':
      return args.find((a) => a !== null && a !== '');
    default:
      throw new TemplateError(`${where}: the function ${name}() is not supported by openddb apply`);
  }
}
