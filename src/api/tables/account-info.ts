/**
 * @module api/tables/account-info
 * DescribeLimits, DescribeEndpoints and DescribeContinuousBackups: reads that
 * infrastructure tools (Terraform, CDK, SAM) make and that must not fail.
 */
import { tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { requireTableForControl } from '../../data/table-lookup.js';

export const describeLimits = defineOperation<Record<string, never>>({
  name: 'DescribeLimits',
  schema: { members: {} },
  async run() {
    // DynamoDB's default account quotas.
    return {
      AccountMaxReadCapacityUnits: 80000,
      AccountMaxWriteCapacityUnits: 80000,
      TableMaxReadCapacityUnits: 40000,
      TableMaxWriteCapacityUnits: 40000,
    };
  },
});

/**
 * DescribeEndpoints names the address to send later requests to; an SDK
 * with endpoint discovery on switches to it. DynamoDB names its own regional
 * host; openddb names the address the client reached it at (the request's
 * Host, port included), so such a client stays with openddb. Cache period as
 * DynamoDB's (1440 minutes).
 */
export const describeEndpoints = defineOperation<Record<string, never>>({
  name: 'DescribeEndpoints',
  schema: { members: {} },
  async run({ host }) {
    // No Host (an HTTP/1.0 client): this machine is the best address there is.
    return { Endpoints: [{ Address: host ?? 'localhost', CachePeriodInMinutes: 1440 }] };
  },
});

export const describeContinuousBackups = defineOperation<{ TableName: string }>({
  name: 'DescribeContinuousBackups',
  schema: { members: { TableName: tableNameOrArn({ required: true }) } },
  async run({ db }, input) {
    const table = requireTableForControl(db, input.TableName);
    // Point-in-time recovery is not implemented yet, so it is truthfully off.
    return {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: table.pointInTimeRecovery?.enabled ? 'ENABLED' : 'DISABLED',
        },
      },
    };
  },
});
