/**
 * @module api/tables/account-info
 * DescribeLimits and DescribeEndpoints: reads that infrastructure tools
 * (Terraform, CDK, SAM) make and that must not fail. (DescribeContinuousBackups
 * is api/backups/continuous-backups.)
 */
import { defineOperation } from '../operation.js';

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
