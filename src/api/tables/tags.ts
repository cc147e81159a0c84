/**
 * @module api/tables/tags
 * TagResource, UntagResource and ListTagsOfResource on table ARNs.
 */
import { errors } from '../../errors/index.js';
import { list, str } from '../../validate/index.js';
import type { Database } from '../../data/database.js';
import type { TableRecord } from '../../catalog/table-record.js';
import { defineOperation } from '../operation.js';
import { tag } from './table-schemas.js';
import { parseTableArn } from '../../data/table-lookup.js';

/** DynamoDB's per-resource tag limit. */
const MAX_TAGS = 50;

const resourceArn = () => str({ required: true, min: 1, max: 1283 });

/**
 * The table a tagging ARN names, in the request's region, with DynamoDB's
 * errors for bad or foreign ARNs: another account's is denied, another
 * region's is an invalid ARN here (as DynamoDB answers ListTagsOfResource).
 */
function tableForArn(db: Database, arn: string): TableRecord {
  const parsed = parseTableArn(arn);
  if (parsed === undefined || parsed.rest !== '') throw errors.validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  if (parsed.account !== db.accountId) {
    throw errors.accessDenied(
      `User: arn:aws:iam::${db.accountId}:user/openddb is not authorized to perform this operation on resource: ${arn} because no identity-based policy allows it`,
    );
  }
  if (parsed.region !== db.region) throw errors.validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  const table = db.catalog.get(parsed.table);
  if (table === undefined) throw errors.resourceNotFound(`Requested resource not found: ResourcArn: ${arn} not found`);
  return table;
}

export function checkTags(tags: readonly { Key: string; Value: string }[]): void {
  for (const t of tags) {
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(t.Key) || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(t.Value)) {
      throw errors.validation('One or more parameter values were invalid: Invalid characters in tag');
    }
    if (t.Key.startsWith('aws:')) {
      throw errors.validation('One or more parameter values were invalid: Tag keys starting with aws: are reserved for system use');
    }
  }
}

async function updateTags(db: Database, arn: string, change: (tags: Record<string, string>) => void): Promise<void> {
  for (;;) {
    const table = tableForArn(db, arn);
    const tags = { ...table.tags };
    change(tags);
    if (Object.keys(tags).length > MAX_TAGS) {
      throw errors.limitExceeded(`The number of tags for the resource exceeds the maximum of ${MAX_TAGS}`);
    }
    if (await db.catalog.replace(table, { ...table, tags })) return;
  }
}

export const tagResource = defineOperation<{ ResourceArn: string; Tags: { Key: string; Value: string }[] }>({
  name: 'TagResource',
  schema: { members: { ResourceArn: resourceArn(), Tags: list(tag, { required: true }) } },
  async run({ db }, input) {
    checkTags(input.Tags);
    await updateTags(db, input.ResourceArn, (tags) => {
      for (const t of input.Tags) tags[t.Key] = t.Value;
    });
    return {};
  },
});

export const untagResource = defineOperation<{ ResourceArn: string; TagKeys: string[] }>({
  name: 'UntagResource',
  schema: {
    members: { ResourceArn: resourceArn(), TagKeys: list(str({ min: 1, max: 128 }), { required: true }) },
  },
  async run({ db }, input) {
    await updateTags(db, input.ResourceArn, (tags) => {
      for (const key of input.TagKeys) delete tags[key];
    });
    return {};
  },
});

export const listTagsOfResource = defineOperation<{ ResourceArn: string; NextToken?: string }>({
  name: 'ListTagsOfResource',
  schema: { members: { ResourceArn: resourceArn(), NextToken: str() } },
  async run({ db }, input) {
    const table = tableForArn(db, input.ResourceArn);
    return { Tags: Object.entries(table.tags).map(([Key, Value]) => ({ Key, Value })) };
  },
});
