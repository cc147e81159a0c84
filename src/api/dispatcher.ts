/**
 * @module api/dispatcher
 * The dispatch table from protocol target to operation, and the one place
 * where a request's checks run in DynamoDB's order.
 */
import { errors } from '../errors/index.js';
import { checkConstraints, checkTypes } from '../validate/index.js';
import type { Database } from '../data/database.js';
import type { Operation } from './operation.js';

const DYNAMODB = 'DynamoDB_20120810.';

/** DynamoDB operations openddb does not implement yet: they answer with an error naming them. */
const NOT_YET_IMPLEMENTED = [
  'CreateBackup', 'CreateGlobalTable', 'DeleteBackup', 'DeleteResourcePolicy', 'DescribeBackup',
  'DescribeContributorInsights', 'DescribeExport', 'DescribeGlobalTable', 'DescribeGlobalTableSettings',
  'DescribeImport', 'DescribeKinesisStreamingDestination', 'DescribeTableReplicaAutoScaling',
  'DisableKinesisStreamingDestination', 'EnableKinesisStreamingDestination', 'ExportTableToPointInTime',
  'GetResourcePolicy', 'ImportTable', 'ListBackups', 'ListContributorInsights', 'ListExports',
  'ListGlobalTables', 'ListImports', 'PutResourcePolicy', 'RestoreTableFromBackup',
  'RestoreTableToPointInTime', 'UpdateContinuousBackups', 'UpdateContributorInsights', 'UpdateGlobalTable',
  'UpdateGlobalTableSettings', 'UpdateKinesisStreamingDestination', 'UpdateTableReplicaAutoScaling',
];

export class Dispatcher {
  private readonly table = new Map<string, Operation>();

  constructor(
    private readonly db: Database,
    operations: readonly Operation[],
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

  async run(op: Operation, rawInput: unknown, requestId: string): Promise<unknown> {
    const input = checkTypes(rawInput, op.schema);
    op.precheck?.(input);
    checkConstraints(input, op.schema);
    return op.run({ db: this.db, requestId }, input);
  }
}
