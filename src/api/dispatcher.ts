/**
 * @module api/dispatcher
 * The dispatch table from protocol target to operation, and the one place
 * where a request's checks run in DynamoDB's order.
 */
import { DynamoError, errors } from '../errors/index.js';
import { checkConstraints, checkTypes } from '../validate/index.js';
import type { Database } from '../data/database.js';
import { isValidRegion } from '../catalog/table-scope.js';
import type { Operation } from './operation.js';
import { StaleFenceError, type FencedEngine } from '../storage/engine.js';
import { authorize, type Principal } from './authorize.js';
import type { Pressure } from '../pressure/pressure.js';

/** What the HTTP edge learned about a request beyond its body. */
export interface RequestOrigin {
  /** The region of the request's SigV4 credential scope; absent: the database's default region. */
  readonly region?: string;
  /** The Host header. */
  readonly host?: string;
  /**
   * The identity whose signature the edge verified (server --auth): its
   * account scopes the tables, its policies decide (api/authorize).
   * Absent: anonymous access in the server's default account.
   */
  readonly principal?: Principal;
  /** The client's address, for `aws:SourceIp`. */
  readonly sourceIp?: string | undefined;
  /** Received over TLS: `aws:SecureTransport`. */
  readonly secure?: boolean;
}

const DYNAMODB = 'DynamoDB_20120810.';

/** DynamoDB operations openddb does not implement yet: they answer with an error naming them. */
const NOT_YET_IMPLEMENTED = [
  'CreateGlobalTable',
  'DescribeContributorInsights', 'DescribeGlobalTable', 'DescribeGlobalTableSettings',
  'DescribeKinesisStreamingDestination', 'DescribeTableReplicaAutoScaling',
  'DisableKinesisStreamingDestination', 'EnableKinesisStreamingDestination',
  'ListContributorInsights',
  'ListGlobalTables',
  'UpdateContributorInsights', 'UpdateGlobalTable',
  'UpdateGlobalTableSettings', 'UpdateKinesisStreamingDestination', 'UpdateTableReplicaAutoScaling',
];

/**
 * The account whose tables a signed request works on: the identity's own,
 * or — cross-account access, which a resource-based policy must grant
 * (api/authorize) — the account of the table, index or stream ARN it names.
 */
function targetAccount(input: unknown, principal: Principal | undefined): string | undefined {
  if (principal === undefined) return undefined;
  const i = input as Record<string, unknown>;
  // The first of these that is an ARN (written out: this runs on every signed request).
  const arn = isArn(i.TableName) ? i.TableName : isArn(i.ResourceArn) ? i.ResourceArn : isArn(i.StreamArn) ? i.StreamArn : undefined;
  const account = arn === undefined ? undefined : arnAccount(arn);
  return account ?? itemsAccount(i) ?? principal.account;
}

function isArn(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('arn:');
}

function arnAccount(arn: string): string | undefined {
  return /^arn:aws[a-zA-Z-]*:dynamodb:[^:]*:(\d{12}):table\//.exec(arn)?.[1];
}

/**
 * A batch's or transaction's account when every table it names is an ARN
 * of one account (a client of another account names tables by ARN);
 * undefined otherwise: the caller's own account, where api/authorize
 * refuses the other account's entries of a mixed request.
 */
function itemsAccount(i: Record<string, unknown>): string | undefined {
  let names: unknown[];
  if (typeof i.RequestItems === 'object' && i.RequestItems !== null) names = Object.keys(i.RequestItems);
  else if (Array.isArray(i.TransactItems)) names = i.TransactItems.map((t) => (typeof t === 'object' && t !== null ? (Object.values(t)[0] as { TableName?: unknown } | undefined)?.TableName : undefined));
  else return undefined;
  let account: string | undefined;
  for (const name of names) {
    const own = typeof name === 'string' && name.startsWith('arn:') ? arnAccount(name) : undefined;
    if (own === undefined || (account !== undefined && own !== account)) return undefined;
    account = own;
  }
  return account;
}

/**
 * Operations that may run on a fenced engine view and be run again when the
 * fence trips: each reads, or commits once as its last storage step, so a
 * tripped fence has written nothing (StaleFenceError rejects a commit whole).
 */
const FENCED_OPERATIONS = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

export class Dispatcher {
  private readonly table = new Map<string, Operation>();

  constructor(
    private readonly db: Database,
    operations: readonly Operation[],
    /** Throttling, lag, conflicts and faults on request (pressure/); absent or off: requests run as they are. */
    private readonly pressure?: Pressure,
  ) {
    for (const name of NOT_YET_IMPLEMENTED) {
      this.table.set(DYNAMODB + name, {
        name,
        schema: { members: {} },
        run: () => Promise.reject(errors.notImplemented(name)),
      });
    }
    for (const op of operations) this.table.set((op.service ?? DYNAMODB) + op.name, op);
  }

  find(prefix: string, name: string): Operation | undefined {
    return this.table.get(prefix + name);
  }

  async run(op: Operation, rawInput: unknown, requestId: string, origin: RequestOrigin = {}): Promise<unknown> {
    if (origin.region !== undefined && !isValidRegion(origin.region)) {
      // Any name works locally (`local`, `fakeRegion`), but one no ARN or key could carry is no region.
      throw errors.invalidSignature(`Credential should be scoped to a valid region, not '${origin.region}'. `);
    }
    const input = checkTypes(rawInput, op.schema);
    op.precheck?.(input);
    checkConstraints(input, op.schema);
    // On an engine whose reads are round trips (PostgreSQL), an item
    // operation skips the catalog check and runs on a view of the engine
    // fenced by the catalog's version: its own statements check it, so
    // GetItem and PutItem cost one round trip (storage engine.fenced). A
    // stale cache trips the fence before anything is written: refresh, and
    // run it again the usual way.
    const fenced =
      this.db.engine.fenced !== undefined && op.service === undefined && FENCED_OPERATIONS.has(op.name) && this.inDefaultScope(input, origin) &&
      // The pressure modes run a request on views of their own (pressure/): not on the fenced path.
      this.pressure?.on !== true
        ? this.fenced()
        : undefined;
    if (fenced !== undefined) {
      try {
        return await this.runChecked(fenced.db, op, input, requestId, origin);
      } catch (error) {
        // A write that landed is never run again, whatever failed after it.
        if (fenced.engine.committed()) throw error;
        // A request refused from the cache alone (a table or index it does
        // not know, a key that does not fit the cached schema) sent no
        // statement, so no fence checked it: unless the cache proves current
        // now, run it again. A refusal writes nothing, so that is safe.
        if (!(error instanceof StaleFenceError) && !(error instanceof DynamoError && error.statusCode < 500)) throw error;
        if (!(error instanceof StaleFenceError)) {
          const stale = this.db.catalog.refresh();
          if (stale !== undefined) await stale;
          if (this.db.catalog.fence()?.value === fenced.version) throw error;
        }
      }
    }
    // Another process may have changed a table since the last request
    // (catalog/catalog refresh: about a microsecond when nothing changed).
    const stale = this.db.catalog.refresh();
    if (stale !== undefined) await stale;
    return this.runChecked(this.db, op, input, requestId, origin);
  }

  /**
   * For one request: the root database on a view of its engine fenced by
   * the catalog's version (the bytes' object identifies it), or undefined
   * while the catalog reloads. One per request, as the view remembers
   * whether the request's write landed.
   */
  private fenced(): { readonly version: Uint8Array | null; readonly engine: FencedEngine; readonly db: Database } | undefined {
    const fence = this.db.catalog.fence();
    if (fence === undefined) return undefined;
    const engine = this.db.engine.fenced!(fence.key, fence.value);
    // A view whose prototype is the database (as Database.inScope's views are), with the fenced engine.
    return { version: fence.value, engine, db: Object.create(this.db, { engine: { value: engine } }) as Database };
  }

  /** Whether the request's tables are the root database's scope (a fenced view is of that scope only). */
  private inDefaultScope(input: unknown, origin: RequestOrigin): boolean {
    if (origin.region === undefined && origin.principal === undefined) return true;
    const account = targetAccount(input, origin.principal) ?? this.db.accountId;
    return account === this.db.accountId && (origin.region ?? this.db.region) === this.db.region;
  }

  private runChecked(root: Database, op: Operation, input: unknown, requestId: string, origin: RequestOrigin): Promise<unknown> {
    // Tables live in an account and a region: the request sees its own (catalog/table-scope).
    const principal = origin.principal;
    const db =
      principal === undefined && (origin.region === undefined || origin.region === this.db.region)
        ? root
        : root.inScope({ account: targetAccount(input, principal) ?? this.db.accountId, region: origin.region ?? this.db.region });
    const pressure = this.pressure;
    // Throttling, lag, contention and faults (pressure/): one flag read while every mode is off.
    const run =
      pressure !== undefined && pressure.on
        ? () =>
            pressure.run(op.name, db, input as Record<string, unknown>, (view, admitted) =>
              op.run(origin.host === undefined ? { db: view, requestId } : { db: view, requestId, host: origin.host }, admitted),
            )
        : () => op.run(origin.host === undefined ? { db, requestId } : { db, requestId, host: origin.host }, input);
    if (principal !== undefined) {
      const judged = authorize(db, principal, op.name, input as Record<string, unknown>, origin.sourceIp, origin.secure ?? false);
      if (judged !== undefined) return judged.then(run);
    }
    return run();
  }
}
