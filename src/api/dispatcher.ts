/**
 * @module api/dispatcher
 * The dispatch table from protocol target to operation, and the one place
 * where a request's checks run in DynamoDB's order.
 */
import { errors } from '../errors/index.js';
import { checkConstraints, checkTypes } from '../validate/index.js';
import type { Database } from '../data/database.js';
import { isValidRegion } from '../catalog/table-scope.js';
import type { Operation } from './operation.js';
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
  'CreateBackup', 'CreateGlobalTable', 'DeleteBackup', 'DescribeBackup',
  'DescribeContributorInsights', 'DescribeGlobalTable', 'DescribeGlobalTableSettings',
  'DescribeKinesisStreamingDestination', 'DescribeTableReplicaAutoScaling',
  'DisableKinesisStreamingDestination', 'EnableKinesisStreamingDestination',
  'ListBackups', 'ListContributorInsights',
  'ListGlobalTables', 'RestoreTableFromBackup',
  'RestoreTableToPointInTime', 'UpdateContributorInsights', 'UpdateGlobalTable',
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
  const arn = [i.TableName, i.ResourceArn, i.StreamArn].find((v): v is string => typeof v === 'string' && v.startsWith('arn:'));
  const account = arn === undefined ? undefined : /^arn:aws[a-zA-Z-]*:dynamodb:[^:]*:(\d{12}):table\//.exec(arn)?.[1];
  return account ?? principal.account;
}

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
    // Another process may have changed a table since the last request
    // (catalog/catalog refresh: about a microsecond when nothing changed).
    const stale = this.db.catalog.refresh();
    if (stale !== undefined) await stale;
    // Tables live in an account and a region: the request sees its own (catalog/table-scope).
    const principal = origin.principal;
    const db =
      origin.region === undefined && principal === undefined
        ? this.db
        : this.db.inScope({ account: targetAccount(input, principal) ?? this.db.accountId, region: origin.region ?? this.db.region });
    if (principal !== undefined) {
      const judged = authorize(db, principal, op.name, input as Record<string, unknown>, origin.sourceIp, origin.secure ?? false);
      if (judged !== undefined) await judged;
    }
    const pressure = this.pressure;
    if (pressure !== undefined && pressure.on) {
      return pressure.run(op.name, db, input as Record<string, unknown>, (view, admitted) =>
        op.run(origin.host === undefined ? { db: view, requestId } : { db: view, requestId, host: origin.host }, admitted),
      );
    }
    return op.run(origin.host === undefined ? { db, requestId } : { db, requestId, host: origin.host }, input);
  }
}
