/**
 * @module api/tables/on-demand-throughput
 * OnDemandThroughput: the maximum read and write request units per second
 * of an on-demand table or GSI (developer guide, "DynamoDB maximum
 * throughput for on-demand tables"), as CreateTable, UpdateTable,
 * ImportTable and the restores accept it and DescribeTable shows it.
 *
 * What DynamoDB does (API reference OnDemandThroughput; behaviour and
 * texts recorded against DynamoDB in 2026-10, ack-api-quirks DDB-TABLE-028,
 * -038, -039, -051, -059, -128, -178, -182):
 * - Only on PAY_PER_REQUEST tables; either member alone is allowed.
 * - At create, each member given must be at least 1 (0, -1, -2: "outside
 *   of valid range"); on UpdateTable, -1 removes that member's maximum and
 *   members merge one by one (a member not sent keeps its value).
 * - DescribeTable shows only the members that are set, and no
 *   OnDemandThroughput at all when neither is; the UpdateTable answer
 *   echoes a removed member as -1.
 * - A maximum above the per-table quota (40,000 units) is a
 *   LimitExceededException.
 *
 * The catalog keeps the maximums as `onDemandMax` on the table or index
 * record (absent: no maximum), so every process sees them; pressure/throttle
 * enforces them under `--throttle`.
 */
import { errors } from '../../errors/index.js';
import type { BillingMode, OnDemandMaximums } from '../../catalog/table-record.js';

export interface OnDemandThroughputInput {
  MaxReadRequestUnits?: number;
  MaxWriteRequestUnits?: number;
}

const INVALID = 'One or more parameter values were invalid: ';
/** The default per-table (and per-index) throughput quota an on-demand maximum may not exceed. */
export const ON_DEMAND_QUOTA_UNITS = 40_000;

/** Where a maximum is set: the table, or one of its GSIs by name. */
export type OnDemandTarget = { readonly index?: string };

/** "for table" / "for index : NAME", as DynamoDB words the subject of a range or quota error. */
function subject(target: OnDemandTarget): string {
  return target.index === undefined ? 'for table' : `for index : ${target.index}`;
}

/** The members sent, Read first, as DynamoDB checks them. */
function members(input: OnDemandThroughputInput): ['MaxReadRequestUnits' | 'MaxWriteRequestUnits', number][] {
  const out: ['MaxReadRequestUnits' | 'MaxWriteRequestUnits', number][] = [];
  if (input.MaxReadRequestUnits !== undefined) out.push(['MaxReadRequestUnits', input.MaxReadRequestUnits]);
  if (input.MaxWriteRequestUnits !== undefined) out.push(['MaxWriteRequestUnits', input.MaxWriteRequestUnits]);
  return out;
}

/**
 * Refuses OnDemandThroughput on a provisioned table (or a GSI of one).
 * CreateTable words it "when table BillingMode is PROVISIONED." and
 * UpdateTable "when the table BillingMode is PROVISIONED" (both recorded).
 */
function refuseOnProvisioned(input: OnDemandThroughputInput, target: OnDemandTarget, operation: 'create' | 'update'): never {
  const member = input.MaxWriteRequestUnits !== undefined && input.MaxReadRequestUnits === undefined ? 'MaxWriteRequestUnits' : 'MaxReadRequestUnits';
  const where = target.index === undefined ? '' : ` for index: ${target.index}`;
  throw errors.validation(
    operation === 'create'
      ? `${INVALID}${member} for OnDemandThroughput${where} cannot be specified when table BillingMode is PROVISIONED.`
      : `${INVALID}${member} for OnDemandThroughput${where} cannot be specified when the table BillingMode is PROVISIONED`,
  );
}

function checkQuota(name: string, value: number, target: OnDemandTarget, region: string): void {
  if (value > ON_DEMAND_QUOTA_UNITS) {
    const quota = name === 'MaxReadRequestUnits' ? 'TableMaxReadCapacityUnits' : 'TableMaxWriteCapacityUnits';
    throw errors.limitExceeded(`Subscriber limit exceeded: Requested ${name} for OnDemandThroughput ${subject(target)} exceeds ${quota} of the account in region ${region}`);
  }
}

/**
 * CreateTable's (and ImportTable's, a GSI's) OnDemandThroughput: the
 * maximums to keep, or undefined for none. An empty struct is accepted and
 * sets nothing, as DynamoDB's CreateTable does.
 */
export function checkOnDemandCreate(
  billingMode: BillingMode,
  input: OnDemandThroughputInput | undefined,
  target: OnDemandTarget,
  region: string,
): OnDemandMaximums | undefined {
  if (input === undefined) return undefined;
  if (billingMode !== 'PAY_PER_REQUEST') refuseOnProvisioned(input, target, 'create');
  for (const [name, value] of members(input)) {
    if (value < 1) throw errors.validation(`${INVALID}Requested ${name} for OnDemandThroughput ${subject(target)} is outside of valid range`);
  }
  for (const [name, value] of members(input)) checkQuota(name, value, target, region);
  return maximums(input.MaxReadRequestUnits, input.MaxWriteRequestUnits);
}

/**
 * UpdateTable's OnDemandThroughput for the table or a GSI, merged into the
 * current maximums member by member (-1 removes one). `billingMode` is the
 * table's mode after the request.
 *
 * DynamoDB answers an empty struct on UpdateTable with an HTTP 500
 * InternalFailure (recorded, DDB-TABLE-178); openddb never answers bad input
 * with a 500, so it refuses it as a ValidationException
 * (docs/compatibility.md).
 */
export function checkOnDemandUpdate(
  billingMode: BillingMode,
  current: OnDemandMaximums | undefined,
  input: OnDemandThroughputInput,
  target: OnDemandTarget,
  region: string,
): OnDemandMaximums | undefined {
  if (billingMode !== 'PAY_PER_REQUEST') refuseOnProvisioned(input, target, 'update');
  const sent = members(input);
  if (sent.length === 0) {
    throw errors.validation(`${INVALID}OnDemandThroughput must specify MaxReadRequestUnits, MaxWriteRequestUnits, or both`);
  }
  for (const [name, value] of sent) {
    if (value < 1 && value !== -1) {
      throw errors.validation(`${INVALID}Requested ${name} for OnDemandThroughput ${subject(target)} is outside of valid range`);
    }
  }
  for (const [name, value] of sent) checkQuota(name, value, target, region);
  const merge = (sentValue: number | undefined, kept: number | undefined): number | undefined =>
    sentValue === undefined ? kept : sentValue === -1 ? undefined : sentValue;
  return maximums(merge(input.MaxReadRequestUnits, current?.read), merge(input.MaxWriteRequestUnits, current?.write));
}

function maximums(read: number | undefined, write: number | undefined): OnDemandMaximums | undefined {
  if (read === undefined && write === undefined) return undefined;
  return { ...(read !== undefined ? { read } : {}), ...(write !== undefined ? { write } : {}) };
}

/** DescribeTable's OnDemandThroughput: the members set, or undefined when none is. */
export function describeOnDemand(max: OnDemandMaximums | undefined): Record<string, number> | undefined {
  if (max === undefined) return undefined;
  const out: Record<string, number> = {};
  if (max.read !== undefined) out.MaxReadRequestUnits = max.read;
  if (max.write !== undefined) out.MaxWriteRequestUnits = max.write;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * UpdateTable's answer: what DescribeTable shows, with each member the
 * request removed echoed as -1 (recorded: {MaxWriteRequestUnits: -1} after
 * removing the last maximum; {-1, -1} when both are removed, even again).
 */
export function echoOnDemand(max: OnDemandMaximums | undefined, input: OnDemandThroughputInput | undefined): Record<string, number> | undefined {
  const out = { ...(describeOnDemand(max) ?? {}) };
  if (input?.MaxReadRequestUnits === -1) out.MaxReadRequestUnits = -1;
  if (input?.MaxWriteRequestUnits === -1) out.MaxWriteRequestUnits = -1;
  // Member order as DynamoDB prints it: Read, then Write.
  const ordered: Record<string, number> = {};
  if (out.MaxReadRequestUnits !== undefined) ordered.MaxReadRequestUnits = out.MaxReadRequestUnits;
  if (out.MaxWriteRequestUnits !== undefined) ordered.MaxWriteRequestUnits = out.MaxWriteRequestUnits;
  return Object.keys(ordered).length === 0 ? undefined : ordered;
}

/**
 * A restore's OnDemandThroughputOverride (RestoreTableFromBackup,
 * RestoreTableToPointInTime), with the restores' "Invalid Request:" texts
 * (recorded, DDB-TABLE-280): only for a table restored on demand, each
 * member at least 1.
 */
export function checkOnDemandOverride(billingMode: BillingMode, input: OnDemandThroughputInput, region: string): OnDemandMaximums | undefined {
  const sent = members(input);
  if (billingMode !== 'PAY_PER_REQUEST') {
    throw errors.validation(`Invalid Request: Cannot override ${sent[0]?.[0] ?? 'MaxReadRequestUnits'} for OnDemandThroughput unless BillingModeOverride is PAY_PER_REQUEST`);
  }
  for (const [name, value] of sent) {
    if (value < 1) throw errors.validation(`Invalid Request: Requested ${name} for OnDemandThroughput is outside of valid range`);
  }
  for (const [name, value] of sent) checkQuota(name, value, {}, region);
  return maximums(input.MaxReadRequestUnits, input.MaxWriteRequestUnits);
}
