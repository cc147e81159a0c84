/**
 * @module api/authorize
 * What a DynamoDB request asks to do, in IAM's terms, and the identity's
 * policies' verdict on it (auth/policy). One request can be several
 * checks, as DynamoDB evaluates them: each table of a BatchGetItem or
 * BatchWriteItem is checked for the batch action; each item of a
 * transaction for its own action on its own table (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem, GetItem) with
 * `dynamodb:EnclosingOperation`; a PartiQL statement as
 * `dynamodb:PartiQLSelect/Insert/Update/Delete`; a read of an index against
 * the index's ARN; Streams calls against the stream's ARN; DescribeBackup,
 * DeleteBackup and RestoreTableFromBackup against the backup's ARN
 * (`<table ARN>/backup/<id>`), a restore also for the item actions on its
 * target table; exports and imports against their own ARNs.
 *
 * Across accounts both the identity's and the resource's policy must
 * allow (a table's resource-based policy covers it and its indexes;
 * backups, exports and imports have none, so nothing grants them to
 * another account).
 *
 * Condition keys supplied: dynamodb:LeadingKeys (the partition key values a
 * request names: Key, Item, a Query's key condition; for an index, the
 * index's partition key), dynamodb:Attributes (projected attributes and a
 * PutItem's item attributes), dynamodb:Select, dynamodb:ReturnValues,
 * dynamodb:ReturnConsumedCapacity, dynamodb:EnclosingOperation,
 * aws:SourceIp, and the principal's variables (aws:username, aws:userid, …).
 * Messages are DynamoDB's: "User: <arn> is not authorized to perform:
 * <action> on resource: <arn> because no identity-based policy allows the
 * <action> action" / "… with an explicit deny in an identity-based policy".
 */
import { errors } from '../errors/index.js';
import { evaluate, parsePolicy, type Policy } from '../auth/policy.js';
import type { Database } from '../data/database.js';
import { parseTableArn } from '../data/table-lookup.js';
import { readStreamPolicy } from '../streams/stream-catalog.js';
import { parseStatement } from '../partiql/parser.js';
import type { KeySchema, TableRecord } from '../catalog/table-record.js';
import { parseUpdate } from '../expr/index.js';

/** Who signed a request, as the dispatcher needs it. */
export interface Principal {
  readonly arn: string;
  readonly account: string;
  readonly policies: readonly Policy[];
  /** A role session's session policies: they narrow `policies` (both must allow). */
  readonly sessionPolicies?: readonly Policy[];
  readonly variables: ReadonlyMap<string, string>;
}

/** A check's condition keys: a Map, or LazyKeys. */
interface Keys {
  get(key: string): string | readonly string[] | undefined;
  set(key: string, value: string | readonly string[]): unknown;
}

interface Check {
  readonly action: string;
  readonly resource: string;
  readonly keys: Keys;
}

type Input = Record<string, unknown>;

/**
 * Throws DynamoDB's AccessDeniedException unless `principal` may make this
 * request. Synchronous unless a check is on a stream, whose resource-based
 * policy is read from the store first (a rejected promise then carries the
 * error).
 */
export function authorize(
  db: Database,
  principal: Principal,
  operation: string,
  input: Input,
  sourceIp: string | undefined,
  secure: boolean,
): void | Promise<void> {
  const checks = checksOf(db, operation, input);
  // Only checks on a stream need a read first; nearly every request has none (no array made for them).
  let streams: ({ table: string; label: string } | undefined)[] | undefined;
  for (let i = 0; i < checks.length; i++) {
    const stream = ownStream(db, checks[i]!.resource);
    if (stream !== undefined) (streams ??= new Array<{ table: string; label: string } | undefined>(checks.length).fill(undefined))[i] = stream;
  }
  if (streams === undefined) return judge(db, principal, checks, undefined, sourceIp, secure);
  return Promise.all(streams.map((stream) => (stream === undefined ? Promise.resolve(null) : streamPolicyOf(db, stream)))).then((policies) =>
    judge(db, principal, checks, policies, sourceIp, secure),
  );
}

function judge(
  db: Database,
  principal: Principal,
  checks: readonly Check[],
  /** Per check: null if it is not on a stream, else the stream's policy (undefined: none). */
  streamPolicies: readonly (Policy | undefined | null)[] | undefined,
  sourceIp: string | undefined,
  secure: boolean,
): void {
  let clock: Clock | undefined;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!;
    const arn = parsedArn(check.resource);
    const table = arn === undefined ? undefined : tableOf(db, arn);
    if (table !== undefined) addResourceTags(table, check);
    // The clock is read when a condition reads the keys: most requests meet no condition.
    if (check.keys instanceof LazyKeys) check.keys.later(sourceIp, secure);
    else setRequestKeys(check.keys, sourceIp, secure, (clock ??= currentTime()));
    const identity = evaluate(principal.policies, check, principal.variables);
    const session = principal.sessionPolicies === undefined ? 'allow' : evaluate(principal.sessionPolicies, check, principal.variables);
    // A stream's own policy governs it; a table's covers the table and its
    // indexes, not its backups, exports or imports (which have none).
    const streamPolicy = streamPolicies === undefined ? null : streamPolicies[i];
    const coveredByTable = arn !== undefined && (arn.rest === '' || arn.rest.startsWith('/index/'));
    const resourcePolicy = streamPolicy !== null ? streamPolicy : coveredByTable ? parsedPolicy(table?.resourcePolicy?.document) : undefined;
    const resource = resourcePolicy === undefined ? 'implicitDeny' : evaluate([resourcePolicy], check, principal.variables);
    if (identity === 'deny') throw denied(principal, check, 'with an explicit deny in an identity-based policy');
    if (resource === 'deny') throw denied(principal, check, 'with an explicit deny in a resource-based policy');
    if (session === 'deny') throw denied(principal, check, 'with an explicit deny in a session policy');
    // IAM's rule: within one account either policy may allow; across accounts both must.
    // A role session's identity side is its role's policies narrowed by its session policies.
    const sameAccount = (arn?.account ?? db.accountId) === principal.account;
    const identityAllows = identity === 'allow' && session === 'allow';
    // Session policies also narrow a resource-based grant (IAM: for grants naming the role ARN).
    const resourceAllows = resource === 'allow' && session === 'allow';
    if (!(sameAccount ? identityAllows || resourceAllows : identityAllows && resourceAllows)) {
      // Which policy is missing: the session policies when another one granted it.
      const missing = session !== 'allow' && (identity === 'allow' || resource === 'allow') ? 'session' : identityAllows ? 'resource-based' : 'identity-based';
      throw denied(principal, check, `because no ${missing} policy allows the ${check.action} action`);
    }
    // Granted across accounts, but one request runs in one account's tables
    // (the dispatcher picks the account its tables name): a batch or
    // transaction mixing accounts is refused, naming the caller.
    if (coveredByTable && arn.account !== db.accountId) {
      throw errors.accessDenied(
        `User: ${principal.arn} is not authorized to perform this operation on resource: ${tableArnOf(arn)} because no resource-based policy allows it`,
      );
    }
  }
}

/** aws:SourceIp, aws:SecureTransport, aws:CurrentTime and aws:EpochTime. */
function setRequestKeys(keys: Keys, sourceIp: string | undefined, secure: boolean, clock: Clock): void {
  if (sourceIp !== undefined) keys.set('aws:sourceip', sourceIp.startsWith('::ffff:') ? sourceIp.slice(7) : sourceIp);
  keys.set('aws:securetransport', secure ? 'true' : 'false');
  keys.set('aws:currenttime', clock.iso);
  keys.set('aws:epochtime', clock.epoch);
}

/** AccessDeniedException for a check, `why` after its head (built only on a refusal: most requests are allowed). */
function denied(principal: Principal, check: Check, why: string): Error {
  return errors.accessDenied(`User: ${principal.arn} is not authorized to perform: ${check.action} on resource: ${check.resource} ${why}`);
}

/** The table ARN of a parsed table, index, stream or backup ARN. */
function tableArnOf(arn: NonNullable<ReturnType<typeof parseTableArn>>): string {
  return `arn:aws:dynamodb:${arn.region}:${arn.account}:table/${arn.table}`;
}

/** Parsed resource-based policies by document text: a table's policy changes rarely. */
const parsedPolicies = new Map<string, Policy>();

/** aws:CurrentTime and aws:EpochTime, formatted once per second rather than per check. */
let clockCache = { second: -1, iso: '', epoch: '' };

interface Clock {
  readonly iso: string;
  readonly epoch: string;
}

function currentTime(): Clock {
  const second = Math.floor(Date.now() / 1000);
  if (second !== clockCache.second) {
    clockCache = { second, iso: new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), epoch: String(second) };
  }
  return clockCache;
}

/**
 * parseTableArn of a check's resource, remembered: a request's resource
 * is read twice (its stream, its table) and clients name the same few
 * tables over and over, so a map lookup replaces two regular expressions.
 */
const parsedArns = new Map<string, ReturnType<typeof parseTableArn>>();

function parsedArn(resource: string): ReturnType<typeof parseTableArn> {
  let parsed = parsedArns.get(resource);
  if (parsed === undefined && !parsedArns.has(resource)) {
    parsed = parseTableArn(resource);
    if (parsedArns.size >= 1000) parsedArns.clear();
    parsedArns.set(resource, parsed);
  }
  return parsed;
}

/**
 * The catalog record of the table a check's resource belongs to (its
 * indexes, streams and backups too), in whichever account and region the
 * ARN names: another account's table's resource-based policy decides
 * cross-account access.
 */
function tableOf(db: Database, arn: NonNullable<ReturnType<typeof parseTableArn>>): TableRecord | undefined {
  const scope = arn.account === db.accountId && arn.region === db.region ? db : db.inScope({ account: arn.account, region: arn.region });
  return scope.catalog.get(arn.table);
}

/** A resource-based policy document, parsed once. */
function parsedPolicy(document: string | undefined): Policy | undefined {
  if (document === undefined) return undefined;
  let policy = parsedPolicies.get(document);
  if (policy === undefined) {
    // PutResourcePolicy parsed it before storing it.
    policy = parsePolicy(document, 'Policy', 'resource');
    if (parsedPolicies.size >= 1000) parsedPolicies.clear();
    parsedPolicies.set(document, policy);
  }
  return policy;
}

/** The table name and label of a stream ARN of this database (a concrete label, not `*`). */
function ownStream(db: Database, resource: string): { table: string; label: string } | undefined {
  const arn = parsedArn(resource);
  if (arn === undefined || arn.rest === '' || arn.account !== db.accountId || arn.region !== db.region) return undefined;
  const label = /^\/stream\/([^/*]+)$/.exec(arn.rest)?.[1];
  return label === undefined ? undefined : { table: arn.table, label };
}

/** A stream's resource-based policy (api/tables/resource-policy puts it). */
async function streamPolicyOf(db: Database, stream: { table: string; label: string }): Promise<Policy | undefined> {
  return parsedPolicy((await readStreamPolicy(db.engine, db.scope, stream.table, stream.label)).policy?.document);
}

/**
 * `aws:ResourceTag/<key>` (and the older `dynamodb:ResourceTag/<key>`) for
 * a check on one of the request's own tables, or its indexes or streams.
 */
function addResourceTags(table: TableRecord, check: Check): void {
  const tags = table.tags;
  if (tags === undefined) return;
  for (const [key, value] of Object.entries(tags)) {
    check.keys.set(`aws:resourcetag/${key.toLowerCase()}`, value);
    check.keys.set(`dynamodb:resourcetag/${key.toLowerCase()}`, value);
  }
}

/**
 * A request's condition keys, worked out from the request on the first
 * read: most policies have no Condition, and deriving dynamodb:LeadingKeys
 * or dynamodb:Attributes (an UpdateItem's expression parsed a second time)
 * was much of authorize's cost per request. Keys set directly (aws:*, the
 * resource's tags) do not trigger it.
 */
class LazyKeys implements Keys {
  /** Made on the first key set: an allowed request without conditions makes none. */
  #map: Map<string, string | readonly string[]> | undefined;
  #fill: ((keys: LazyKeys) => void) | undefined;
  /**
   * The request's own keys (setRequestKeys), also set on the first read
   * (`later`): four map entries fewer, and no clock read, per allowed request.
   */
  #later = false;
  #sourceIp: string | undefined;
  #secure = false;

  constructor(fill: (keys: LazyKeys) => void) {
    this.#fill = fill;
  }

  later(sourceIp: string | undefined, secure: boolean): void {
    if (this.#fill === undefined) {
      setRequestKeys(this, sourceIp, secure, currentTime());
      return;
    }
    this.#later = true;
    this.#sourceIp = sourceIp;
    this.#secure = secure;
  }

  get(key: string): string | readonly string[] | undefined {
    this.#filled();
    return this.#map?.get(key);
  }

  set(key: string, value: string | readonly string[]): this {
    (this.#map ??= new Map()).set(key, value);
    return this;
  }

  #filled(): void {
    const fill = this.#fill;
    if (fill === undefined) return;
    this.#fill = undefined;
    fill(this);
    if (this.#later) setRequestKeys(this, this.#sourceIp, this.#secure, currentTime());
  }
}

/** `dynamodb:<operation>` per operation name, built once. */
const actions = new Map<string, string>();

/**
 * A scope's table ARNs by table name, built once: the same string object
 * each time, so that the maps keyed by it (parsedArns) find it without
 * hashing a new 60-character string per request.
 */
const tableArns = new WeakMap<object, Map<string, string>>();

function ownTableArn(db: Database, name: string): string {
  let arns = tableArns.get(db.scope);
  if (arns === undefined) {
    arns = new Map();
    tableArns.set(db.scope, arns);
  }
  let arn = arns.get(name);
  if (arn === undefined) {
    arn = `${arnBase(db)}:table/${name}`;
    if (arns.size >= 1000) arns.clear();
    arns.set(name, arn);
  }
  return arn;
}

/** `arn:aws:dynamodb:<region>:<account>`: built only where a request needs it (most find their table's ARN built). */
function arnBase(db: Database): string {
  return `arn:aws:dynamodb:${db.region}:${db.accountId}`;
}

function checksOf(db: Database, operation: string, input: Input): Check[] {
  let action = actions.get(operation);
  if (action === undefined) {
    action = `dynamodb:${operation}`;
    actions.set(operation, action);
  }
  const tableArn = (name: unknown) => {
    const text = typeof name === 'string' ? name : '';
    if (text.startsWith('arn:')) return parseTableArn(text) ? tableArnFromArn(text) : text;
    return ownTableArn(db, text);
  };
  const tableNameOf = (name: unknown) => {
    const text = typeof name === 'string' ? name : '';
    return text.startsWith('arn:') ? (parseTableArn(text)?.table ?? text) : text;
  };
  const common = (): Map<string, string | readonly string[]> => {
    const keys = new Map<string, string | readonly string[]>();
    for (const [member, key] of [['Select', 'dynamodb:select'], ['ReturnValues', 'dynamodb:returnvalues'], ['ReturnConsumedCapacity', 'dynamodb:returnconsumedcapacity']] as const) {
      if (typeof input[member] === 'string') keys.set(key, input[member]);
    }
    return keys;
  };
  const keySchemaOf = (table: unknown, index?: unknown): KeySchema | undefined => {
    const record = db.catalog.get(tableNameOf(table));
    if (record === undefined) return undefined;
    if (typeof index === 'string') return [...record.localIndexes, ...record.globalIndexes].find((i) => i.name === index)?.keySchema;
    return record.keySchema;
  };

  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem': {
      const keys = new LazyKeys((keys) => {
        for (const [name, value] of common()) keys.set(name, value);
        const schema = keySchemaOf(input.TableName);
        const item = (operation === 'PutItem' ? input.Item : input.Key) as Input | undefined;
        if (schema && item) keys.set('dynamodb:leadingkeys', leading([item], schema));
        const attributes = operation === 'PutItem' ? Object.keys(item ?? {}) : operation === 'UpdateItem' ? updated(input) : projected(input);
        if (attributes !== undefined) keys.set('dynamodb:attributes', attributes);
      });
      return [{ action, resource: tableArn(input.TableName), keys }];
    }
    case 'Query':
    case 'Scan': {
      const index = input.IndexName;
      const resource = typeof index === 'string' ? `${tableArn(input.TableName)}/index/${index}` : tableArn(input.TableName);
      const keys = new LazyKeys((keys) => {
        for (const [name, value] of common()) keys.set(name, value);
        if (operation === 'Query') {
          const schema = keySchemaOf(input.TableName, index);
          const value = schema === undefined ? undefined : queryPartition(input, schema.hash);
          if (value !== undefined) keys.set('dynamodb:leadingkeys', [value]);
        }
        const attributes = projected(input);
        if (attributes !== undefined) keys.set('dynamodb:attributes', attributes);
      });
      return [{ action, resource, keys }];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const out: Check[] = [];
      for (const [table, request] of Object.entries((input.RequestItems ?? {}) as Record<string, unknown>)) {
        const keys = common();
        const schema = keySchemaOf(table);
        const items: Input[] =
          operation === 'BatchGetItem'
            ? (((request as Input | undefined)?.Keys ?? []) as Input[])
            : ((request ?? []) as Input[]).map((w) => ((w.PutRequest as Input | undefined)?.Item ?? (w.DeleteRequest as Input | undefined)?.Key ?? {}) as Input);
        if (schema) keys.set('dynamodb:leadingkeys', leading(items, schema));
        if (operation === 'BatchGetItem') {
          const attributes = projected((request ?? {}) as Input);
          if (attributes !== undefined) keys.set('dynamodb:attributes', attributes);
        }
        out.push({ action, resource: tableArn(table), keys });
      }
      return out;
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const out: Check[] = [];
      for (const entry of (input.TransactItems ?? []) as Input[]) {
        const [kind, body] = Object.entries(entry)[0] ?? [];
        if (kind === undefined || typeof body !== 'object' || body === null) continue;
        const b = body as Input;
        const itemAction = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' }[kind];
        if (itemAction === undefined) continue;
        const keys = new Map<string, string | readonly string[]>([['dynamodb:enclosingoperation', operation]]);
        const schema = keySchemaOf(b.TableName);
        const item = (kind === 'Put' ? b.Item : b.Key) as Input | undefined;
        if (schema && item) keys.set('dynamodb:leadingkeys', leading([item], schema));
        if (typeof b.ReturnValuesOnConditionCheckFailure === 'string') keys.set('dynamodb:returnvalues', b.ReturnValuesOnConditionCheckFailure);
        out.push({ action: `dynamodb:${itemAction}`, resource: tableArn(b.TableName), keys });
      }
      return out;
    }
    case 'ExecuteStatement':
      return statementChecks([input.Statement], arnBase(db), undefined);
    case 'BatchExecuteStatement':
      return statementChecks(((input.Statements ?? []) as Input[]).map((s) => s.Statement), arnBase(db), undefined);
    case 'ExecuteTransaction':
      return statementChecks(((input.TransactStatements ?? []) as Input[]).map((s) => s.Statement), arnBase(db), 'ExecuteTransaction');
    case 'ListTables':
    case 'ListBackups':
    case 'ListExports':
    case 'ListImports':
      // No resource of their own: DynamoDB names every table of the account (its ListTables message shows `table/*`).
      return [{ action, resource: `${arnBase(db)}:table/*`, keys: new Map() }];
    // Backups (api/backups): a backup is its own resource, `<table ARN>/backup/<id>`; a restore
    // also needs the item actions on the table it creates (developer guide, "Using IAM with
    // DynamoDB backup and restore": read and write permissions on the target table).
    case 'DescribeBackup':
    case 'DeleteBackup':
      return [{ action, resource: typeof input.BackupArn === 'string' ? input.BackupArn : '*', keys: new Map() }];
    case 'RestoreTableFromBackup':
      return [
        { action, resource: typeof input.BackupArn === 'string' ? input.BackupArn : '*', keys: new Map() },
        ...restoreTargetChecks(tableArn(input.TargetTableName)),
      ];
    case 'RestoreTableToPointInTime':
      return [
        { action, resource: tableArn(input.SourceTableArn ?? input.SourceTableName), keys: new Map() },
        ...restoreTargetChecks(tableArn(input.TargetTableName)),
      ];
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [{ action, resource: '*', keys: new Map() }];
    case 'ListStreams':
      return [{ action, resource: `${input.TableName === undefined ? `${arnBase(db)}:table/*` : tableArn(input.TableName)}/stream/*`, keys: new Map() }];
    case 'DescribeStream':
    case 'GetShardIterator':
      return [{ action, resource: String(input.StreamArn ?? '*'), keys: new Map() }];
    case 'GetRecords':
      // A shard iterator names its stream inside; the stream ARN is what DynamoDB checks.
      return [{ action, resource: streamOfIterator(input.ShardIterator) ?? `${arnBase(db)}:table/*/stream/*`, keys: new Map() }];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsOfResource':
    case 'PutResourcePolicy':
    case 'GetResourcePolicy':
    case 'DeleteResourcePolicy':
      return [{ action, resource: String(input.ResourceArn ?? '*'), keys: new Map() }];
    case 'SearchVectors':
      // Granted on the vector index's ARN (VectorSearchWorkingWith, "Before you begin").
      return [{ action, resource: `${tableArn(input.TableName)}/index/${String(input.IndexName)}`, keys: common() }];
    // Export, import and bulk operations (api/transfer): the table, or the job's own ARN.
    case 'ExportTableToPointInTime':
      return [{ action, resource: typeof input.TableArn === 'string' ? tableArn(input.TableArn) : '*', keys: new Map() }];
    case 'ImportTable':
      return [{ action, resource: tableArn((input.TableCreationParameters as Input | undefined)?.TableName), keys: new Map() }];
    case 'DescribeExport':
    case 'DescribeImport':
    case 'DescribeBulkOperation':
    case 'CancelBulkOperation':
      return [{ action, resource: String(input.ExportArn ?? input.ImportArn ?? input.BulkOperationArn ?? '*'), keys: new Map() }];
    default:
      return [{ action, resource: input.TableName === undefined ? '*' : tableArn(input.TableName), keys: common() }];
  }
}

/** The actions a restore needs on its target table, in the order they are checked. */
const RESTORE_TARGET_ACTIONS = ['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'Scan', 'UpdateItem'];

function restoreTargetChecks(target: string): Check[] {
  return RESTORE_TARGET_ACTIONS.map((a) => ({ action: `dynamodb:${a}`, resource: target, keys: new Map() }));
}

function tableArnFromArn(arn: string): string {
  const parsed = parseTableArn(arn)!;
  return `arn:aws:dynamodb:${parsed.region}:${parsed.account}:table/${parsed.table}`;
}

/** One check per statement, for its verb on its table (or index). */
function statementChecks(statements: unknown[], base: string, enclosing: string | undefined): Check[] {
  const out: Check[] = [];
  for (const text of statements) {
    if (typeof text !== 'string') continue;
    let parsed: { readonly kind: string; readonly from?: { table: string; index: string | undefined } };
    try {
      parsed = parseStatement(text).statement;
    } catch {
      continue; // the operation answers the syntax error; nothing is read or written
    }
    const verb = ({ select: 'PartiQLSelect', insert: 'PartiQLInsert', update: 'PartiQLUpdate', delete: 'PartiQLDelete' } as Record<string, string>)[parsed.kind];
    const from = parsed.from;
    if (verb === undefined || from === undefined) continue;
    const table = `${base}:table/${from.table}`;
    const keys = new Map<string, string | readonly string[]>();
    if (enclosing !== undefined) keys.set('dynamodb:enclosingoperation', enclosing);
    out.push({ action: `dynamodb:${verb}`, resource: from.index === undefined ? table : `${table}/index/${from.index}`, keys });
  }
  return out;
}

/** The partition key values of `items`, as strings (S and N as written, B in base64). */
function leading(items: readonly Input[], schema: KeySchema): string[] {
  const out: string[] = [];
  for (const item of items) {
    const value = scalar(item[schema.hash]);
    if (value !== undefined && !out.includes(value)) out.push(value);
  }
  return out;
}

function scalar(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  for (const type of ['S', 'N', 'B']) if (typeof v[type] === 'string') return v[type] as string;
  return undefined;
}

/** The partition key value of a Query: its key condition's equality on `hash` (or the legacy KeyConditions). */
function queryPartition(input: Input, hash: string): string | undefined {
  const legacy = input.KeyConditions as Record<string, { AttributeValueList?: unknown[] }> | undefined;
  if (legacy !== undefined) return scalar(legacy[hash]?.AttributeValueList?.[0]);
  const expression = input.KeyConditionExpression;
  if (typeof expression !== 'string') return undefined;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const resolve = (token: string) => (token.startsWith('#') ? names[token] : token);
  // `name = :v` or `:v = name`; the key condition grammar allows nothing else for the partition key.
  for (const m of expression.matchAll(/([#:]?[A-Za-z0-9_.-]+)\s*=\s*([#:]?[A-Za-z0-9_.-]+)/g)) {
    const [a, b] = [m[1]!, m[2]!];
    if (b.startsWith(':') && resolve(a) === hash) return scalar(values[b]);
    if (a.startsWith(':') && resolve(b) === hash) return scalar(values[a]);
  }
  return undefined;
}

/** The top-level attributes a read projects (AttributesToGet or ProjectionExpression); undefined: all. */
function projected(input: Input): string[] | undefined {
  if (Array.isArray(input.AttributesToGet)) return input.AttributesToGet.filter((a): a is string => typeof a === 'string');
  if (typeof input.ProjectionExpression !== 'string') return undefined;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const out: string[] = [];
  for (const path of input.ProjectionExpression.split(',')) {
    const first = path.trim().split(/[.[]/)[0]!.trim();
    const name = first.startsWith('#') ? names[first] : first;
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out;
}

/** The top-level attributes an UpdateItem changes (AttributeUpdates or the update expression's targets). */
function updated(input: Input): string[] | undefined {
  if (typeof input.AttributeUpdates === 'object' && input.AttributeUpdates !== null) return Object.keys(input.AttributeUpdates);
  if (typeof input.UpdateExpression !== 'string') return undefined;
  let update;
  try {
    update = parseUpdate(input.UpdateExpression);
  } catch {
    return undefined; // the operation answers the syntax error
  }
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const out: string[] = [];
  for (const action of update.actions) {
    const first = action.path.elements[0];
    const name = first?.kind === 'name' ? first.name : first?.kind === 'nameRef' ? names[first.ref] : undefined;
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out;
}

/** The stream ARN inside one of openddb's shard iterators, if it can be read. */
function streamOfIterator(iterator: unknown): string | undefined {
  if (typeof iterator !== 'string') return undefined;
  // `<stream ARN>|1|<payload>` (streams/shard-iterator)
  const bar = iterator.indexOf('|');
  return bar > 0 && iterator.startsWith('arn:') ? iterator.slice(0, bar) : undefined;
}
