/**
 * @module api/tables/resource-policy
 * PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: a
 * resource-based policy on a table (it governs the table's indexes too),
 * kept in the table's catalog record with a revision id. The policy is
 * parsed when it is put (auth/policy, resource grammar: a Principal per
 * statement) and enforced with the caller's identity-based policies by
 * api/authorize. Revision ids are epoch milliseconds as text, like
 * DynamoDB's; putting the same document again keeps its revision id.
 *
 * A stream has a policy of its own (a table's covers the table and its
 * indexes, not its streams), kept at its own key (catalog/key-space
 * streamPolicyKey) so that it survives the stream being disabled or its
 * table deleted — DynamoDB lets such a policy be read, changed and deleted
 * for as long as the stream is listed (24 hours) — and is erased with it.
 */
import { errors } from '../../errors/index.js';
import { bool, str } from '../../validate/index.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { parseTableArn } from '../../data/table-lookup.js';
import { parsePolicy, PolicyError } from '../../auth/policy.js';
import { defineOperation } from '../operation.js';
import { compareAndSet } from '../../storage/compare-and-set.js';
import { encodeStreamPolicy, readStreamEntry, readStreamPolicy, type StreamPolicy } from '../../streams/stream-catalog.js';

/** DynamoDB's limit on a policy document, whitespace included. */
const MAX_POLICY_BYTES = 20 * 1024;
/** ExpectedRevisionId meaning "only if the resource has no policy". */
const NO_POLICY = 'NO_POLICY';

const resourceArn = () => str({ required: true, min: 1, max: 1283 });

/** What a ResourceArn names: a table, or one of a table's streams (by label). */
type Target = { readonly table: string; readonly stream?: string };

function targetOf(db: Database, arn: string): Target {
  const parsed = parseTableArn(arn);
  if (parsed === undefined) throw errors.validation(`Invalid ResourceArn provided as input ${arn}`);
  const stream = /^\/stream\/([^/]+)$/.exec(parsed.rest)?.[1];
  if (parsed.rest !== '' && stream === undefined) throw errors.validation(`Invalid ResourceArn provided as input ${arn}`);
  if (parsed.account !== db.accountId || parsed.region !== db.region) {
    throw errors.accessDenied(`User is not authorized to perform this operation on resource: ${arn}`);
  }
  return stream === undefined ? { table: parsed.table } : { table: parsed.table, stream };
}

function notFoundResource(arn: string): never {
  throw errors.resourceNotFound(`Requested resource not found: ResourceArn: ${arn} not found`);
}

function tableOf(db: Database, arn: string, target: Target): TableRecord {
  const table = db.catalog.get(target.table);
  if (table === undefined) notFoundResource(arn);
  return table;
}

/** A stream's policy as stored, with the raw bytes a commit expects unchanged; the stream must be listed. */
async function streamPolicyOf(db: Database, arn: string, target: Target): ReturnType<typeof readStreamPolicy> {
  if ((await readStreamEntry(db.engine, db.scope, target.table, target.stream!)) === undefined) notFoundResource(arn);
  return readStreamPolicy(db.engine, db.scope, target.table, target.stream!);
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

function checkExpected(current: { readonly revisionId: string } | undefined, owner: string, arn: string, expected: string | undefined): void {
  if (expected === undefined) return;
  const revision = current?.revisionId;
  if (expected === NO_POLICY ? revision !== undefined : revision !== expected) {
    if (revision === undefined) notFound(arn);
    throw errors.policyNotFound(
      `Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id ${expected}, but the policy associated to target ${owner} has revision id ${revision}.`,
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
    const target = targetOf(db, input.ResourceArn);
    if (target.stream !== undefined) {
      return compareAndSet(db.engine, async () => {
        const { key, raw, policy } = await streamPolicyOf(db, input.ResourceArn, target);
        checkExpected(policy, `stream ${target.stream}`, input.ResourceArn, input.ExpectedRevisionId);
        if (policy?.document === input.Policy) return { done: { RevisionId: policy.revisionId } };
        const next: StreamPolicy = { document: input.Policy, revisionId: nextRevision(policy?.revisionId) };
        return {
          writes: [{ key, value: encodeStreamPolicy(next) }],
          expectations: [{ key, value: raw ?? null }],
          result: { RevisionId: next.revisionId },
        };
      });
    }
    for (;;) {
      const table = tableOf(db, input.ResourceArn, target);
      checkExpected(table.resourcePolicy, `table ${table.name}`, input.ResourceArn, input.ExpectedRevisionId);
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
    const target = targetOf(db, input.ResourceArn);
    const policy =
      target.stream !== undefined ? (await streamPolicyOf(db, input.ResourceArn, target)).policy : tableOf(db, input.ResourceArn, target).resourcePolicy;
    if (policy === undefined) notFound(input.ResourceArn);
    return { Policy: policy.document, RevisionId: policy.revisionId };
  },
});

export const deleteResourcePolicy = defineOperation<{ ResourceArn: string; ExpectedRevisionId?: string }>({
  name: 'DeleteResourcePolicy',
  schema: { members: { ResourceArn: resourceArn(), ExpectedRevisionId: str({ min: 1, max: 255 }) } },
  async run({ db }, input) {
    const target = targetOf(db, input.ResourceArn);
    if (target.stream !== undefined) {
      return compareAndSet(db.engine, async () => {
        const { key, raw, policy } = await streamPolicyOf(db, input.ResourceArn, target);
        if (policy === undefined) notFound(input.ResourceArn);
        checkExpected(policy, `stream ${target.stream}`, input.ResourceArn, input.ExpectedRevisionId);
        return { writes: [{ key, value: null }], expectations: [{ key, value: raw ?? null }], result: { RevisionId: nextRevision(policy.revisionId) } };
      });
    }
    for (;;) {
      const table = tableOf(db, input.ResourceArn, target);
      if (table.resourcePolicy === undefined) notFound(input.ResourceArn);
      checkExpected(table.resourcePolicy, `table ${table.name}`, input.ResourceArn, input.ExpectedRevisionId);
      const { resourcePolicy, ...rest } = table;
      if (await db.catalog.replace(table, rest)) return { RevisionId: nextRevision(resourcePolicy.revisionId) };
    }
  },
});
