/**
 * @module tools/cloudformation
 * Tables from CloudFormation and SAM templates (YAML or JSON):
 * `AWS::DynamoDB::Table`, `AWS::Serverless::SimpleTable` and simple
 * `AWS::DynamoDB::GlobalTable`s (the replica in the chosen region, else the
 * first, gives tags, PITR, class and read capacity).
 *
 * Intrinsic functions are evaluated as CloudFormation would at deploy time,
 * as far as a table's properties can use them: Ref (parameters, pseudo
 * parameters, other tables: their name), Fn::Sub, Fn::Join, Fn::Select,
 * Fn::Split, Fn::FindInMap, Fn::If with Conditions (Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or, Condition), Fn::GetAtt of a table's Arn/StreamArn, and
 * AWS::NoValue. Anything else (Fn::ImportValue, GetAZs, Cidr…) is refused
 * with its place in the template, since it needs a deployed stack.
 *
 * A table without TableName gets the name CloudFormation would not give
 * (it adds a random suffix): `<stack name>-<logical id>` with --stack-name,
 * else the logical id, so that applying twice finds the same table.
 */
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
  type Throughput,
} from './table-spec.js';

export interface CloudFormationOptions {
  readonly parameters: Readonly<Record<string, string>>;
  readonly region: string;
  readonly accountId: string;
  readonly stackName?: string | undefined;
}

type Template = Record<string, unknown>;

const SHORT_TAGS: readonly [string, string][] = [
  ['Ref', 'Ref'],
  ['Condition', 'Condition'],
  ['Sub', 'Fn::Sub'],
  ['GetAtt', 'Fn::GetAtt'],
  ['If', 'Fn::If'],
  ['Equals', 'Fn::Equals'],
  ['Not', 'Fn::Not'],
  ['And', 'Fn::And'],
  ['Or', 'Fn::Or'],
  ['Join', 'Fn::Join'],
  ['Select', 'Fn::Select'],
  ['Split', 'Fn::Split'],
  ['FindInMap', 'Fn::FindInMap'],
  ['Base64', 'Fn::Base64'],
  ['ImportValue', 'Fn::ImportValue'],
  ['GetAZs', 'Fn::GetAZs'],
  ['Cidr', 'Fn::Cidr'],
  ['Transform', 'Fn::Transform'],
];

/** Reads a template's text: JSON if it starts with `{`, else YAML with CloudFormation's short-form tags. */
export async function parseTemplateText(text: string, file: string): Promise<Template> {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as Template;
    } catch (e) {
      throw new TemplateError(`${file}: not valid JSON: ${(e as Error).message}`);
    }
  }
  const YAML = await import('yaml');
  // YAML 1.2's core schema: 1.1 would read the attribute type N as false.
  // Each short form on a scalar, a sequence and a mapping: !GetAtt takes
  // `A.B` or [A, B], !Sub a string or [string, vars].
  const customTags = SHORT_TAGS.flatMap(([short, long]) => {
    const tag = `!${short}`;
    const wrap = (value: unknown) => ({ [long]: short === 'GetAtt' && typeof value === 'string' ? splitGetAtt(value) : value });
    return [
      { tag, resolve: (value: string) => wrap(value) },
      { tag, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => wrap(seq.toJSON()) },
      { tag, collection: 'map' as const, resolve: (map: { toJSON(): unknown }) => wrap(map.toJSON()) },
    ];
  });
  let doc;
  try {
    doc = YAML.parse(text, { customTags, maxAliasCount: 1000, merge: true, version: '1.2' }) as unknown;
  } catch (e) {
    throw new TemplateError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new TemplateError(`${file}: a template is a mapping (Resources: …)`);
  return doc as Template;
}

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** The parameters a template declares (a --parameter must name one: tools/apply checks over all files). */
export function declaredParameters(doc: Template): string[] {
  return doc.Parameters !== null && typeof doc.Parameters === 'object' ? Object.keys(doc.Parameters) : [];
}

/** Is this template a CloudFormation/SAM one (it has Resources with Type fields)? */
export function isCloudFormation(doc: Template): boolean {
  const resources = doc.Resources;
  return typeof resources === 'object' && resources !== null && Object.values(resources).some((r) => typeof r === 'object' && r !== null && 'Type' in r);
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::Serverless::SimpleTable', 'AWS::DynamoDB::GlobalTable']);

/** The tables a template declares, intrinsics evaluated. */
export function tablesFromCloudFormation(doc: Template, options: CloudFormationOptions): TableSpec[] {
  const resources = asObject(doc.Resources, 'Resources');
  const parameters = resolveParameters(doc, options);
  const ctx = new Context(doc, parameters, options);
  const specs: TableSpec[] = [];
  for (const [logicalId, raw] of Object.entries(resources)) {
    const resource = asObject(raw, `Resources.${logicalId}`);
    const type = resource.Type;
    if (typeof type !== 'string' || !TABLE_TYPES.has(type)) continue;
    if (resource.Condition !== undefined && !ctx.condition(String(resource.Condition), `Resources.${logicalId}.Condition`)) continue;
    const where = `Resources.${logicalId}`;
    const props = asObject(ctx.resolve(resource.Properties ?? {}, `${where}.Properties`), `${where}.Properties`);
    const name = toStringValue(props.TableName, `${where}.Properties.TableName`) ?? ctx.defaultTableName(logicalId);
    if (type === 'AWS::Serverless::SimpleTable') specs.push(simpleTable(where, name, props));
    else if (type === 'AWS::DynamoDB::GlobalTable') specs.push(globalTable(where, name, props, options.region));
    else specs.push(dynamoTable(where, name, props));
  }
  return specs.map(checkSpec);
}

function resolveParameters(doc: Template, options: CloudFormationOptions): Map<string, unknown> {
  const declared = doc.Parameters === undefined ? {} : asObject(doc.Parameters, 'Parameters');
  const out = new Map<string, unknown>();
  for (const [name, raw] of Object.entries(declared)) {
    const decl = asObject(raw, `Parameters.${name}`);
    const given = options.parameters[name];
    const value = given ?? (decl.Default === undefined ? undefined : String(decl.Default as string));
    if (value === undefined) throw new TemplateError(`parameter ${name} has no Default: pass --parameter ${name}=VALUE`);
    if (Array.isArray(decl.AllowedValues) && !decl.AllowedValues.map(String).includes(value)) {
      throw new TemplateError(`parameter ${name}: '${value}' is not one of its AllowedValues (${decl.AllowedValues.map(String).join(', ')})`);
    }
    if (typeof decl.AllowedPattern === 'string' && !new RegExp(`^(?:${decl.AllowedPattern})$`).test(value)) {
      throw new TemplateError(`parameter ${name}: '${value}' does not match its AllowedPattern ${decl.AllowedPattern}`);
    }
    const type = String(decl.Type ?? 'String');
    if (type === 'Number' && !Number.isFinite(Number(value))) throw new TemplateError(`parameter ${name} is a Number, not '${value}'`);
    out.set(name, type === 'CommaDelimitedList' || type.startsWith('List<') ? value.split(',').map((s) => s.trim()) : value);
  }
  return out;
}

/** Marks a property CloudFormation's AWS::NoValue removed. */
const NO_VALUE = Symbol('AWS::NoValue');

class Context {
  private readonly conditions = new Map<string, boolean>();

  constructor(
    private readonly doc: Template,
    private readonly parameters: Map<string, unknown>,
    private readonly options: CloudFormationOptions,
  ) {}

  defaultTableName(logicalId: string): string {
    return this.options.stackName === undefined ? logicalId : `${this.options.stackName}-${logicalId}`;
  }

  condition(name: string, where: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const conditions = this.doc.Conditions === undefined ? {} : asObject(this.doc.Conditions, 'Conditions');
    if (!(name in conditions)) throw new TemplateError(`${where}: no condition named ${name} in Conditions`);
    this.conditions.set(name, false); // a cycle resolves to false rather than recursing forever
    const value = this.resolve(conditions[name], `Conditions.${name}`);
    if (typeof value !== 'boolean') throw new TemplateError(`Conditions.${name} must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition`);
    this.conditions.set(name, value);
    return value;
  }

  private pseudo(name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.options.region;
      case 'AWS::AccountId':
        return this.options.accountId;
      case 'AWS::StackName':
        return this.options.stackName ?? 'openddb';
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:stack/${this.options.stackName ?? 'openddb'}/openddb`;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
      default:
        return undefined;
    }
  }

  private ref(name: string, where: string): unknown {
    if (this.parameters.has(name)) return this.parameters.get(name);
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const resources = asObject(this.doc.Resources, 'Resources');
    const resource = resources[name];
    if (resource !== undefined) {
      const r = asObject(resource, `Resources.${name}`);
      if (typeof r.Type === 'string' && TABLE_TYPES.has(r.Type)) return this.tableName(name);
      throw new TemplateError(`${where}: Ref ${name} is a ${String(r.Type)}, which exists only once deployed`);
    }
    throw new TemplateError(`${where}: Ref ${name}: no parameter or resource of that name`);
  }

  private tableName(logicalId: string): string {
    const r = asObject(asObject(this.doc.Resources, 'Resources')[logicalId], logicalId);
    const props = r.Properties === undefined ? {} : asObject(r.Properties, logicalId);
    const name = props.TableName === undefined ? undefined : this.resolve(props.TableName, `Resources.${logicalId}.Properties.TableName`);
    return typeof name === 'string' ? name : this.defaultTableName(logicalId);
  }

  private getAtt(args: unknown, where: string): unknown {
    const [id, attr] = Array.isArray(args) ? args.map((a) => this.resolve(a, where)) : [];
    if (typeof id !== 'string' || typeof attr !== 'string') throw new TemplateError(`${where}: Fn::GetAtt takes [LogicalId, Attribute]`);
    const r = asObject(this.doc.Resources, 'Resources')[id];
    const type = r === undefined ? undefined : asObject(r, id).Type;
    if (typeof type === 'string' && TABLE_TYPES.has(type) && attr === 'Arn') {
      return `arn:aws:dynamodb:${this.options.region}:${this.options.accountId}:table/${this.tableName(id)}`;
    }
    throw new TemplateError(`${where}: Fn::GetAtt ${id}.${attr} is known only once deployed`);
  }

  private sub(args: unknown, where: string): string {
    const [template, vars] = Array.isArray(args) ? [args[0], args[1]] : [args, undefined];
    if (typeof template !== 'string') throw new TemplateError(`${where}: Fn::Sub takes a string or [string, {variables}]`);
    const variables = vars === undefined ? {} : asObject(this.resolve(vars, where), `${where} (Fn::Sub variables)`);
    return template.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
      if (bang === '!') return `\${${name}}`;
      const trimmed = name.trim();
      if (trimmed in variables) return String(variables[trimmed] as string);
      if (trimmed.includes('.') && !trimmed.startsWith('AWS::')) return String(this.getAtt(splitGetAtt(trimmed), where) as string);
      const value = this.ref(trimmed, where);
      if (Array.isArray(value)) return value.join(',');
      return String(value as string);
    });
  }

  /** Evaluates the intrinsic functions in `value`. */
  resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const fn = keys[0]!;
      const arg = obj[fn];
      const at = `${where}.${fn}`;
      switch (fn) {
        case 'Ref':
          return this.ref(String(this.resolve(arg, at) as string), at);
        case 'Condition':
          if (typeof arg === 'string') return this.condition(arg, at);
          break;
        case 'Fn::Sub':
          return this.sub(arg, at);
        case 'Fn::GetAtt':
          return this.getAtt(typeof arg === 'string' ? splitGetAtt(arg) : arg, at);
        case 'Fn::If': {
          if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') throw new TemplateError(`${at} takes [condition name, value if true, value if false]`);
          return this.resolve(this.condition(arg[0], at) ? arg[1] : arg[2], at);
        }
        case 'Fn::Equals': {
          const [a, b] = Array.isArray(arg) ? arg.map((x) => this.resolve(x, at)) : [];
          if (!Array.isArray(arg) || arg.length !== 2) throw new TemplateError(`${at} takes [value, value]`);
          return JSON.stringify(a) === JSON.stringify(b) || String(a as string) === String(b as string);
        }
        case 'Fn::Not':
        case 'Fn::And':
        case 'Fn::Or': {
          const values = Array.isArray(arg) ? arg.map((x) => this.resolve(x, at)) : [];
          if (values.length === 0 || values.some((v) => typeof v !== 'boolean')) throw new TemplateError(`${at} takes a list of conditions`);
          if (fn === 'Fn::Not') return !values[0];
          return fn === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
        }
        case 'Fn::Join': {
          const [sep, list] = Array.isArray(arg) ? [this.resolve(arg[0], at), this.resolve(arg[1], at)] : [];
          if (typeof sep !== 'string' || !Array.isArray(list)) throw new TemplateError(`${at} takes [separator, [values]]`);
          return list.map(String).join(sep);
        }
        case 'Fn::Select': {
          const [i, list] = Array.isArray(arg) ? [Number(this.resolve(arg[0], at)), this.resolve(arg[1], at)] : [];
          if (!Array.isArray(list) || i === undefined || !Number.isInteger(i) || i < 0 || i >= list.length) throw new TemplateError(`${at}: index out of range`);
          return list[i];
        }
        case 'Fn::Split': {
          const [sep, text] = Array.isArray(arg) ? [this.resolve(arg[0], at), this.resolve(arg[1], at)] : [];
          if (typeof sep !== 'string' || typeof text !== 'string') throw new TemplateError(`${at} takes [separator, string]`);
          return text.split(sep);
        }
        case 'Fn::FindInMap': {
          const path = Array.isArray(arg) ? arg.map((x) => String(this.resolve(x, at) as string)) : [];
          const mappings = this.doc.Mappings === undefined ? {} : asObject(this.doc.Mappings, 'Mappings');
          let node: unknown = mappings;
          for (const key of path.slice(0, 3)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
          if (path.length !== 3 || node === undefined) throw new TemplateError(`${at}: no mapping ${path.join('.')}`);
          return node;
        }
        default:
          if (fn.startsWith('Fn::')) throw new TemplateError(`${at}: ${fn} is not supported by openddb apply (it needs a deployed stack)`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const v = this.resolve(obj[k], `${where}.${k}`);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TemplateError(`${where} must be a mapping`);
  return value as Record<string, unknown>;
}

function asList(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TemplateError(`${where} must be a list`);
  return value;
}

function keySchema(value: unknown, where: string): KeySchemaElement[] {
  return asList(value, where).map((raw, i) => {
    const k = asObject(raw, `${where}[${i}]`);
    const keyType = String(k.KeyType as string);
    if (keyType !== 'HASH' && keyType !== 'RANGE') throw new TemplateError(`${where}[${i}].KeyType must be HASH or RANGE`);
    return { AttributeName: String(k.AttributeName as string), KeyType: keyType };
  });
}

function attributeDefinitions(value: unknown, where: string): AttributeDefinition[] {
  return asList(value, where).map((raw, i) => {
    const a = asObject(raw, `${where}[${i}]`);
    return { AttributeName: String(a.AttributeName as string), AttributeType: String(a.AttributeType as string) as AttributeDefinition['AttributeType'] };
  });
}

function projection(value: unknown, where: string): Projection {
  const p = value === undefined ? {} : asObject(value, where);
  const type = String((p.ProjectionType as string | undefined) ?? 'KEYS_ONLY') as Projection['ProjectionType'];
  const nonKey = p.NonKeyAttributes === undefined ? undefined : asList(p.NonKeyAttributes, `${where}.NonKeyAttributes`).map(String);
  return nonKey === undefined ? { ProjectionType: type } : { ProjectionType: type, NonKeyAttributes: nonKey };
}

function throughput(value: unknown, where: string): Throughput | undefined {
  if (value === undefined) return undefined;
  const t = asObject(value, where);
  return {
    ReadCapacityUnits: toNumber(t.ReadCapacityUnits, `${where}.ReadCapacityUnits`) ?? 0,
    WriteCapacityUnits: toNumber(t.WriteCapacityUnits, `${where}.WriteCapacityUnits`) ?? 0,
  };
}

function onDemand(value: unknown, where: string): OnDemandThroughput | undefined {
  if (value === undefined) return undefined;
  const t = asObject(value, where);
  const r = toNumber(t.MaxReadRequestUnits, `${where}.MaxReadRequestUnits`);
  const w = toNumber(t.MaxWriteRequestUnits, `${where}.MaxWriteRequestUnits`);
  return { ...(r !== undefined ? { MaxReadRequestUnits: r } : {}), ...(w !== undefined ? { MaxWriteRequestUnits: w } : {}) };
}

function indexes(value: unknown, where: string): IndexSpec[] {
  return asList(value, where).map((raw, i) => {
    const at = `${where}[${i}]`;
    const x = asObject(raw, at);
    const pt = throughput(x.ProvisionedThroughput, `${at}.ProvisionedThroughput`);
    const od = onDemand(x.OnDemandThroughput, `${at}.OnDemandThroughput`);
    return {
      IndexName: String(x.IndexName as string),
      KeySchema: keySchema(x.KeySchema, `${at}.KeySchema`),
      Projection: projection(x.Projection, `${at}.Projection`),
      ...(pt !== undefined ? { ProvisionedThroughput: pt } : {}),
      ...(od !== undefined ? { OnDemandThroughput: od } : {}),
    };
  });
}

function tagList(value: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of asList(value, where).entries()) {
    const t = asObject(raw, `${where}[${i}]`);
    out[String(t.Key as string)] = String(t.Value as string);
  }
  return out;
}

function sse(value: unknown, where: string): TableSpec['SSESpecification'] {
  if (value === undefined) return undefined;
  const s = asObject(value, where);
  const enabled = toBoolean(s.SSEEnabled, `${where}.SSEEnabled`) ?? false;
  return {
    Enabled: enabled,
    ...(enabled && s.SSEType !== undefined ? { SSEType: String(s.SSEType as string) } : {}),
    ...(enabled && s.KMSMasterKeyId !== undefined ? { KMSMasterKeyId: String(s.KMSMasterKeyId as string) } : {}),
  };
}

function ttl(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  const t = asObject(value, where);
  return toBoolean(t.Enabled, `${where}.Enabled`) === true ? toStringValue(t.AttributeName, `${where}.AttributeName`) : undefined;
}

function refuse(props: Record<string, unknown>, where: string, names: readonly string[]): void {
  for (const name of names) {
    if (props[name] !== undefined) throw new TemplateError(`${where}.Properties.${name} is not supported by openddb apply`);
  }
}

function billing(props: Record<string, unknown>, where: string): TableSpec['BillingMode'] {
  const mode = String((props.BillingMode as string | undefined) ?? 'PROVISIONED');
  if (mode !== 'PROVISIONED' && mode !== 'PAY_PER_REQUEST') throw new TemplateError(`${where}.Properties.BillingMode must be PROVISIONED or PAY_PER_REQUEST, not '${mode}'`);
  return mode;
}

function dynamoTable(where: string, name: string, props: Record<string, unknown>): TableSpec {
  refuse(props, where, ['ImportSourceSpecification', 'KinesisStreamSpecification']);
  const stream = props.StreamSpecification === undefined ? undefined : asObject(props.StreamSpecification, `${where}.Properties.StreamSpecification`);
  const pitr = props.PointInTimeRecoverySpecification === undefined ? {} : asObject(props.PointInTimeRecoverySpecification, `${where}.Properties.PointInTimeRecoverySpecification`);
  const pt = throughput(props.ProvisionedThroughput, `${where}.Properties.ProvisionedThroughput`);
  const od = onDemand(props.OnDemandThroughput, `${where}.Properties.OnDemandThroughput`);
  const sseSpec = sse(props.SSESpecification, `${where}.Properties.SSESpecification`);
  const ttlAttribute = ttl(props.TimeToLiveSpecification, `${where}.Properties.TimeToLiveSpecification`);
  const deletion = toBoolean(props.DeletionProtectionEnabled, `${where}.Properties.DeletionProtectionEnabled`);
  return {
    source: where,
    TableName: name,
    AttributeDefinitions: attributeDefinitions(props.AttributeDefinitions, `${where}.Properties.AttributeDefinitions`),
    KeySchema: keySchema(props.KeySchema, `${where}.Properties.KeySchema`),
    BillingMode: billing(props, where),
    ...(pt !== undefined ? { ProvisionedThroughput: pt } : {}),
    ...(od !== undefined ? { OnDemandThroughput: od } : {}),
    GlobalSecondaryIndexes: indexes(props.GlobalSecondaryIndexes, `${where}.Properties.GlobalSecondaryIndexes`),
    LocalSecondaryIndexes: indexes(props.LocalSecondaryIndexes, `${where}.Properties.LocalSecondaryIndexes`),
    ...(stream?.StreamViewType !== undefined ? { StreamViewType: String(stream.StreamViewType as string) as TableSpec['StreamViewType'] } : {}),
    ...(sseSpec !== undefined ? { SSESpecification: sseSpec } : {}),
    ...(props.TableClass !== undefined ? { TableClass: String(props.TableClass as string) as TableSpec['TableClass'] } : {}),
    ...(deletion !== undefined ? { DeletionProtectionEnabled: deletion } : {}),
    ...(ttlAttribute !== undefined ? { TimeToLiveAttribute: ttlAttribute } : {}),
    PointInTimeRecovery: toBoolean(pitr.PointInTimeRecoveryEnabled, `${where}.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled`) ?? false,
    Tags: tagList(props.Tags, `${where}.Properties.Tags`),
  };
}

/** SAM's SimpleTable: a hash key (default `id` String), on demand unless ProvisionedThroughput is given; Tags a map. */
function simpleTable(where: string, name: string, props: Record<string, unknown>): TableSpec {
  const key = props.PrimaryKey === undefined ? { Name: 'id', Type: 'String' } : asObject(props.PrimaryKey, `${where}.Properties.PrimaryKey`);
  const types: Record<string, AttributeDefinition['AttributeType']> = { String: 'S', Number: 'N', Binary: 'B' };
  const type = types[String(key.Type as string)];
  if (type === undefined) throw new TemplateError(`${where}.Properties.PrimaryKey.Type must be String, Number or Binary`);
  const keyName = String(key.Name as string);
  const pt = throughput(props.ProvisionedThroughput, `${where}.Properties.ProvisionedThroughput`);
  const sseSpec = sse(props.SSESpecification, `${where}.Properties.SSESpecification`);
  const tags = props.Tags === undefined ? {} : asObject(props.Tags, `${where}.Properties.Tags`);
  return {
    source: where,
    TableName: name,
    AttributeDefinitions: [{ AttributeName: keyName, AttributeType: type }],
    KeySchema: [{ AttributeName: keyName, KeyType: 'HASH' }],
    BillingMode: pt === undefined ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    ...(pt !== undefined ? { ProvisionedThroughput: pt } : {}),
    GlobalSecondaryIndexes: [],
    LocalSecondaryIndexes: [],
    ...(sseSpec !== undefined ? { SSESpecification: sseSpec } : {}),
    PointInTimeRecovery: false,
    Tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v as string)])),
  };
}

/**
 * A global table as one regional table: the replica of `region` (else the
 * first) gives tags, PITR, class, deletion protection and read capacity;
 * write capacity is the autoscaling minimum (CloudFormation provisions
 * global tables' writes only through autoscaling).
 */
function globalTable(where: string, name: string, props: Record<string, unknown>, region: string): TableSpec {
  refuse(props, where, ['KinesisStreamSpecification', 'MultiRegionConsistency', 'GlobalTableWitnesses']);
  const replicas = asList(props.Replicas, `${where}.Properties.Replicas`).map((r, i) => asObject(r, `${where}.Properties.Replicas[${i}]`));
  const replica = replicas.find((r) => r.Region === region) ?? replicas[0] ?? {};
  const mode = billing({ BillingMode: props.BillingMode ?? 'PROVISIONED' }, where);
  const capacity = (settings: unknown, autoscaling: string, fixed: string | undefined, at: string): number => {
    if (settings === undefined) return 0;
    const s = asObject(settings, at);
    if (fixed !== undefined && s[fixed] !== undefined) return toNumber(s[fixed], `${at}.${fixed}`) ?? 0;
    const auto = s[autoscaling] === undefined ? {} : asObject(s[autoscaling], `${at}.${autoscaling}`);
    return toNumber(auto.MinCapacity, `${at}.${autoscaling}.MinCapacity`) ?? 0;
  };
  const writeUnits = capacity(props.WriteProvisionedThroughputSettings, 'WriteCapacityAutoScalingSettings', undefined, `${where}.Properties.WriteProvisionedThroughputSettings`);
  const readUnits = capacity(replica.ReadProvisionedThroughputSettings, 'ReadCapacityAutoScalingSettings', 'ReadCapacityUnits', `${where}.Replicas.ReadProvisionedThroughputSettings`);
  const replicaIndexes = asList(replica.GlobalSecondaryIndexes, `${where}.Replicas.GlobalSecondaryIndexes`).map((r) => asObject(r, where));
  const gsis = asList(props.GlobalSecondaryIndexes, `${where}.Properties.GlobalSecondaryIndexes`).map((raw, i): IndexSpec => {
    const at = `${where}.Properties.GlobalSecondaryIndexes[${i}]`;
    const x = asObject(raw, at);
    const indexName = String(x.IndexName as string);
    const rep = replicaIndexes.find((r) => r.IndexName === indexName);
    const w = capacity(x.WriteProvisionedThroughputSettings, 'WriteCapacityAutoScalingSettings', undefined, `${at}.WriteProvisionedThroughputSettings`);
    const r = capacity(rep?.ReadProvisionedThroughputSettings, 'ReadCapacityAutoScalingSettings', 'ReadCapacityUnits', `${at}.ReadProvisionedThroughputSettings`);
    return {
      IndexName: indexName,
      KeySchema: keySchema(x.KeySchema, `${at}.KeySchema`),
      Projection: projection(x.Projection, `${at}.Projection`),
      ...(mode === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: Math.max(1, r), WriteCapacityUnits: Math.max(1, w) } } : {}),
    };
  });
  const stream = props.StreamSpecification === undefined ? undefined : asObject(props.StreamSpecification, `${where}.Properties.StreamSpecification`);
  const pitr = replica.PointInTimeRecoverySpecification === undefined ? {} : asObject(replica.PointInTimeRecoverySpecification, `${where}.Replicas.PointInTimeRecoverySpecification`);
  const sseSpec = sse(props.SSESpecification, `${where}.Properties.SSESpecification`);
  const ttlAttribute = ttl(props.TimeToLiveSpecification, `${where}.Properties.TimeToLiveSpecification`);
  const deletion = toBoolean(replica.DeletionProtectionEnabled, `${where}.Replicas.DeletionProtectionEnabled`);
  return {
    source: where,
    TableName: name,
    AttributeDefinitions: attributeDefinitions(props.AttributeDefinitions, `${where}.Properties.AttributeDefinitions`),
    KeySchema: keySchema(props.KeySchema, `${where}.Properties.KeySchema`),
    BillingMode: mode,
    ...(mode === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: Math.max(1, readUnits), WriteCapacityUnits: Math.max(1, writeUnits) } } : {}),
    GlobalSecondaryIndexes: gsis,
    LocalSecondaryIndexes: indexes(props.LocalSecondaryIndexes, `${where}.Properties.LocalSecondaryIndexes`),
    ...(stream?.StreamViewType !== undefined ? { StreamViewType: String(stream.StreamViewType as string) as TableSpec['StreamViewType'] } : {}),
    ...(sseSpec !== undefined ? { SSESpecification: sseSpec } : {}),
    ...(replica.TableClass !== undefined ? { TableClass: String(replica.TableClass as string) as TableSpec['TableClass'] } : {}),
    ...(deletion !== undefined ? { DeletionProtectionEnabled: deletion } : {}),
    ...(ttlAttribute !== undefined ? { TimeToLiveAttribute: ttlAttribute } : {}),
    PointInTimeRecovery: toBoolean(pitr.PointInTimeRecoveryEnabled, `${where}.Replicas.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled`) ?? false,
    Tags: tagList(replica.Tags, `${where}.Replicas.Tags`),
  };
}
