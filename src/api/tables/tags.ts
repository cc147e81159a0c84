/**
 * @module api/tables/tags
 * TagResource, UntagResource and ListTagsOfResource on table ARNs, with
 * DynamoDB's tag rules (also applied to CreateTable's Tags): keys of 1–128
 * and values of 0–256 letters, digits, spaces and `_.:/=+-@`, no `aws:`
 * key prefix, at most 50 tags per resource. The texts are DynamoDB's as
 * observed (dynalite's tests; AWS's ack-api-quirks DynamoDB message
 * catalogue): the tag checks are its service code's, not Coral's.
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

/** A valid table name inside an ARN (the name rules of CreateTable). */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * The table a tagging ARN names, in the request's region, with DynamoDB's
 * errors for bad or foreign ARNs: another account's is denied, another
 * region's is an invalid ARN here (as DynamoDB answers ListTagsOfResource).
 */
function tableForArn(db: Database, arn: string): TableRecord {
  const parsed = checkArn(arn);
  return existingTable(db, parsed, arn);
}

/**
 * A tagging ARN, parsed. TagResource and ListTagsOfResource refuse a value
 * that is no ARN at all with their own text (AWS's observed catalogue);
 * UntagResource, for which no such text is known, with its invalid-ARN one
 * (dynalite's DynamoDB-verified tests).
 */
function checkArn(arn: string, notAnArn = true): NonNullable<ReturnType<typeof parseTableArn>> {
  if (notAnArn && !arn.startsWith('arn:')) {
    throw errors.validation(`One or more parameter values were invalid: ARNs must start with 'arn:': ${arn}`);
  }
  const parsed = parseTableArn(arn);
  if (parsed === undefined || parsed.rest !== '' || !TABLE_NAME.test(parsed.table)) {
    throw errors.validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  }
  return parsed;
}

function existingTable(
  db: Database,
  parsed: NonNullable<ReturnType<typeof parseTableArn>>,
  arn: string,
  notFound = `Requested resource not found: ResourcArn: ${arn} not found`,
): TableRecord {
  if (parsed.account !== db.accountId) {
    throw errors.accessDenied(
      `User: arn:aws:iam::${db.accountId}:user/openddb is not authorized to perform this operation on resource: ${arn} because no identity-based policy allows it`,
    );
  }
  if (parsed.region !== db.region) throw errors.validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  const table = db.catalog.get(parsed.table);
  if (table === undefined) throw errors.resourceNotFound(notFound);
  return table;
}

/** The characters AWS allows in tag keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TOO_MANY_TAGS = 'Number of Tags exceed the current limit for the provided ResourceArn';

function checkTagKey(key: string | undefined): asserts key is string {
  // Lengths are Coral's constraints, checked before this.
  if (key === undefined || !TAG_TEXT.test(key)) throw errors.validation(`The Tag Key provided is invalid, Key: ${key ?? null}`);
  if (key.startsWith('aws:')) throw errors.validation(`Tag Key cannot be prefixed with aws:, Key: ${key}`);
}

/** The Tags of TagResource or CreateTable: each valid, no key twice, at most 50. */
export function checkTags(tags: readonly { Key?: string; Value?: string }[]): void {
  const keys = new Set<string>();
  for (const t of tags) {
    checkTagKey(t.Key);
    if (t.Value === undefined || !TAG_TEXT.test(t.Value)) {
      throw errors.validation(`The Tag Value provided is invalid, Value: ${t.Value ?? null}`);
    }
    if (keys.has(t.Key)) throw errors.validation(`Duplicate Tag Keys provided as input: Duplicate Tag Key found ${t.Key}`);
    keys.add(t.Key);
  }
  if (keys.size > MAX_TAGS) throw errors.validation(TOO_MANY_TAGS);
}

async function updateTags(
  db: Database,
  arn: string,
  change: (tags: Record<string, string>) => void,
  notFound?: string,
): Promise<void> {
  const parsed = checkArn(arn, notFound === undefined);
  for (;;) {
    const table = existingTable(db, parsed, arn, notFound);
    const tags = { ...table.tags };
    change(tags);
    if (Object.keys(tags).length > MAX_TAGS) throw errors.validation(TOO_MANY_TAGS);
    if (await db.catalog.replace(table, { ...table, tags })) return;
  }
}

export const tagResource = defineOperation<{ ResourceArn: string; Tags: { Key: string; Value: string }[] }>({
  name: 'TagResource',
  schema: { members: { ResourceArn: resourceArn(), Tags: list(tag, { required: true }) } },
  async run({ db }, input) {
    checkArn(input.ResourceArn);
    if (input.Tags.length === 0) throw errors.validation('Atleast one Tag needs to be provided as Input.');
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
    checkArn(input.ResourceArn, false);
    if (input.TagKeys.length === 0) throw errors.validation('Atleast one Tag Key needs to be provided as Input.');
    for (const key of input.TagKeys) checkTagKey(key);
    // UntagResource words a missing table without naming the ARN (dynalite's tests).
    await updateTags(
      db,
      input.ResourceArn,
      (tags) => {
        for (const key of input.TagKeys) delete tags[key];
      },
      'Requested resource not found',
    );
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
