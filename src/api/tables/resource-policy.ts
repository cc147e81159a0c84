/**
 * @module api/tables/resource-policy
 * PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: a
 * resource-based policy on a table (it governs the table's indexes too),
 * kept in the table's catalog record with a revision id. The policy is
 * parsed when it is put (auth/policy, resource grammar: a Principal per
 * statement) and enforced with the caller's identity-based policies by
 * api/authorize. Revision ids are epoch milliseconds as text, like
 * DynamoDB's; putting the same document again keeps its revision id.
 * Streams' resource policies are not supported yet (TODO issue 13).
 */
import { errors } from '../../errors/index.js';
import { bool, str } from '../../validate/index.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { parseTableArn } from '../../data/table-lookup.js';
import { parsePolicy, PolicyError } from '../../auth/policy.js';
import { defineOperation } from '../operation.js';

/** DynamoDB's limit on a policy document, whitespace included. */
const MAX_POLICY_BYTES = 20 * 1024;
/** ExpectedRevisionId meaning "only if the resource has no policy". */
const NO_POLICY = 'NO_POLICY';

const resourceArn = () => str({ required: true, min: 1, max: 1283 });

function tableOf(db: Database, arn: string): TableRecord {
  const parsed = parseTableArn(arn);
  if (parsed === undefined) throw errors.validation(`Invalid ResourceArn provided as input ${arn}`);
  if (parsed.rest !== '') {
    if (parsed.rest.startsWith('/stream/')) throw errors.validation(`openddb does not support resource-based policies on streams yet: ${arn}`);
    throw errors.validation(`Invalid ResourceArn provided as input ${arn}`);
  }
  if (parsed.account !== db.accountId || parsed.region !== db.region) {
    throw errors.accessDenied(`User is not authorized to perform this operation on resource: ${arn}`);
  }
  const table = db.catalog.get(parsed.table);
  if (table === undefined) throw errors.resourceNotFound(`Requested resource not found: ResourceArn: ${arn} not found`);
  return table;
}

/** A resource-based policy document as PutResourcePolicy and CreateTable accept it. */
export function checkResourcePolicy(document: string): void {
  if (Buffer.byteLength(document, 'utf8') > MAX_POLICY_BYTES) {
    throw errors.validation('Policy size should be less than or equal to 20480 bytes');
  }
  try {
    parsePolicy(document, 'Policy', 'resource');
  } catch (e) {
    if (e instanceof PolicyError) throw errors.validation(`Invalid policy document: ${e.message}`);
    throw e;
  }
}

function notFound(arn: string): never {
  throw errors.policyNotFound(`Resource-based policy not found for the provided ResourceArn: ${arn}`);
}

function checkExpected(table: TableRecord, arn: string, expected: string | undefined): void {
  if (expected === undefined) return;
  const current = table.resourcePolicy?.revisionId;
  if (expected === NO_POLICY ? current !== undefined : current !== expected) {
    if (current === undefined) notFound(arn);
    throw errors.policyNotFound(
      `Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id ${expected}, but the policy associated to target table ${table.name} has revision id ${current}.`,
    );
  }
}

/** A revision id later than `previous` (epoch ms as text). */
function nextRevision(previous: string | undefined): string {
  const now = Date.now();
  return String(previous !== undefined && Number(previous) >= now ? Number(previous) + 1 : now);
}

export const putResourcePolicy = defineOperation<{ ResourceArn: string; Policy: string; ExpectedRevisionId?: string; ConfirmRemoveSelfResourceAccess?: boolean }>({
  name: 'PutResourcePolicy',
  schema: {
    members: {
      ResourceArn: resourceArn(),
      Policy: str({ required: true }),
      ExpectedRevisionId: str({ min: 1, max: 255 }),
      ConfirmRemoveSelfResourceAccess: bool(),
    },
  },
  async run({ db }, input) {
    checkResourcePolicy(input.Policy);
    for (;;) {
      const table = tableOf(db, input.ResourceArn);
      checkExpected(table, input.ResourceArn, input.ExpectedRevisionId);
      if (table.resourcePolicy?.document === input.Policy) return { RevisionId: table.resourcePolicy.revisionId };
      const resourcePolicy = { document: input.Policy, revisionId: nextRevision(table.resourcePolicy?.revisionId) };
      if (await db.catalog.replace(table, { ...table, resourcePolicy })) return { RevisionId: resourcePolicy.revisionId };
    }
  },
});

export const getResourcePolicy = defineOperation<{ ResourceArn: string }>({
  name: 'GetResourcePolicy',
  schema: { members: { ResourceArn: resourceArn() } },
  async run({ db }, input) {
    const policy = tableOf(db, input.ResourceArn).resourcePolicy;
    if (policy === undefined) notFound(input.ResourceArn);
    return { Policy: policy.document, RevisionId: policy.revisionId };
  },
});

export const deleteResourcePolicy = defineOperation<{ ResourceArn: string; ExpectedRevisionId?: string }>({
  name: 'DeleteResourcePolicy',
  schema: { members: { ResourceArn: resourceArn(), ExpectedRevisionId: str({ min: 1, max: 255 }) } },
  async run({ db }, input) {
    for (;;) {
      const table = tableOf(db, input.ResourceArn);
      if (table.resourcePolicy === undefined) notFound(input.ResourceArn);
      checkExpected(table, input.ResourceArn, input.ExpectedRevisionId);
      const { resourcePolicy, ...rest } = table;
      if (await db.catalog.replace(table, rest)) return { RevisionId: nextRevision(resourcePolicy.revisionId) };
    }
  },
});
