/**
 * @module data/table-lookup
 * Finding the table a request names, by name or by ARN, with DynamoDB's
 * errors when it does not exist or belongs to another account or region.
 * Names are looked up in the request's region (the Database view the
 * request holds: data/database).
 */
import { errors } from '../errors/index.js';
import type { Database } from './database.js';
import type { TableRecord } from '../catalog/table-record.js';

/** Parses `arn:aws:dynamodb:<region>:<account>:table/<name>[/...]`. */
export function parseTableArn(arn: string): { region: string; account: string; table: string; rest: string } | undefined {
  const m = /^arn:aws[a-zA-Z-]*:dynamodb:([^:]*):([^:]*):table\/([^/]+)(\/.*)?$/.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, table: m[3]!, rest: m[4] ?? '' };
}

/**
 * The name of the table a TableName member designates (a name or a table
 * ARN). Another account's ARN is refused before its region is looked at, as
 * DynamoDB does; an ARN of another region is a ValidationException in
 * DynamoDB's words (observed on DescribeTable and DescribeTimeToLive).
 */
export function tableNameOf(db: Database, nameOrArn: string): string {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const arn = parseTableArn(nameOrArn);
  if (arn === undefined) throw errors.validation(`Invalid TableArn: ${nameOrArn}`);
  if (arn.account !== db.accountId) {
    throw errors.accessDenied(
      `User: arn:aws:iam::${db.accountId}:user/openddb is not authorized to perform this operation on resource: ${nameOrArn} because no resource-based policy allows it`,
    );
  }
  if (arn.region !== db.region) throw errors.validation(`1 validation error detected: Invalid AWS region in '${nameOrArn}'`);
  return arn.table;
}

/**
 * The table, or ResourceNotFoundException as DynamoDB words it for
 * data-plane calls: also for a table a restore is still filling
 * (backup/restore-job), which DynamoDB does not serve until ACTIVE.
 */
export function requireTable(db: Database, nameOrArn: string): TableRecord {
  const table = db.catalog.get(tableNameOf(db, nameOrArn));
  // (Only a restore's table: an import (transfer/) fills its CREATING table through this very path.)
  if (table === undefined || table.restore?.inProgress === true) throw errors.resourceNotFound();
  return table;
}

/** Control-plane changes (DeleteTable, UpdateTable) of a table a restore is still filling: ResourceInUseException. */
export function assertNotBeingCreated(table: TableRecord): void {
  if (table.status === 'CREATING' && table.restore?.inProgress === true) {
    throw errors.resourceInUse(`Attempt to change a resource which is still in use: Table is being created: ${table.name}`);
  }
}

/** Control-plane operations name the table in their not-found message. */
export function requireTableForControl(db: Database, nameOrArn: string): TableRecord {
  const name = tableNameOf(db, nameOrArn);
  const table = db.catalog.get(name);
  if (table === undefined) throw errors.resourceNotFound(`Requested resource not found: Table: ${name} not found`);
  return table;
}
