/**
 * @module tools/table-spec
 * A table as a template declares it, whatever the template language: the
 * CreateTable request (DynamoDB's own shapes, PascalCase, since they go to
 * the API as they are) plus what CreateTable cannot carry — TTL and
 * point-in-time recovery. CloudFormation, SAM and Terraform readers produce
 * this; tools/table-plan compares it with what a server has.
 */

export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

export interface AttributeDefinition {
  readonly AttributeName: string;
  readonly AttributeType: 'S' | 'N' | 'B';
}

export interface Projection {
  readonly ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly NonKeyAttributes?: readonly string[];
}

export interface Throughput {
  readonly ReadCapacityUnits: number;
  readonly WriteCapacityUnits: number;
}

export interface OnDemandThroughput {
  readonly MaxReadRequestUnits?: number;
  readonly MaxWriteRequestUnits?: number;
}

export interface IndexSpec {
  readonly IndexName: string;
  readonly KeySchema: readonly KeySchemaElement[];
  readonly Projection: Projection;
  readonly ProvisionedThroughput?: Throughput;
  readonly OnDemandThroughput?: OnDemandThroughput;
}

export interface TableSpec {
  /** Where it came from, for messages: `Resources.Orders` or `aws_dynamodb_table.orders`. */
  readonly source: string;
  readonly TableName: string;
  readonly AttributeDefinitions: readonly AttributeDefinition[];
  readonly KeySchema: readonly KeySchemaElement[];
  readonly BillingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  readonly ProvisionedThroughput?: Throughput;
  readonly OnDemandThroughput?: OnDemandThroughput;
  readonly GlobalSecondaryIndexes: readonly IndexSpec[];
  readonly LocalSecondaryIndexes: readonly IndexSpec[];
  /** Absent: streams off. */
  readonly StreamViewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  readonly SSESpecification?: { readonly Enabled: boolean; readonly SSEType?: string; readonly KMSMasterKeyId?: string };
  readonly TableClass?: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  readonly DeletionProtectionEnabled?: boolean;
  /** Absent: TTL off. */
  readonly TimeToLiveAttribute?: string;
  readonly PointInTimeRecovery: boolean;
  readonly Tags: Readonly<Record<string, string>>;
}

/** A template the readers could not use, with the place in it. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const KEY_TYPES = new Set(['S', 'N', 'B']);
const PROJECTIONS = new Set(['ALL', 'KEYS_ONLY', 'INCLUDE']);
const VIEW_TYPES = new Set(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']);

/** Checks what a reader produced for what would make CreateTable fail in a confusing way. */
export function checkSpec(spec: TableSpec): TableSpec {
  const where = `${spec.source}`;
  if (spec.TableName === '') throw new TemplateError(`${where}: the table has no name`);
  if (spec.KeySchema.length === 0) throw new TemplateError(`${where}: no key schema (a hash key is required)`);
  for (const a of spec.AttributeDefinitions) {
    if (!KEY_TYPES.has(a.AttributeType)) {
      throw new TemplateError(`${where}: attribute ${a.AttributeName} has type '${a.AttributeType}'; key attributes are S, N or B`);
    }
  }
  const defined = new Set(spec.AttributeDefinitions.map((a) => a.AttributeName));
  const keys = [spec.KeySchema, ...spec.GlobalSecondaryIndexes.map((i) => i.KeySchema), ...spec.LocalSecondaryIndexes.map((i) => i.KeySchema)];
  for (const schema of keys) {
    for (const k of schema) {
      if (!defined.has(k.AttributeName)) throw new TemplateError(`${where}: key attribute ${k.AttributeName} is not in the attribute definitions`);
    }
  }
  for (const index of [...spec.GlobalSecondaryIndexes, ...spec.LocalSecondaryIndexes]) {
    if (!PROJECTIONS.has(index.Projection.ProjectionType)) {
      throw new TemplateError(`${where}: index ${index.IndexName} has projection '${index.Projection.ProjectionType}'; use ALL, KEYS_ONLY or INCLUDE`);
    }
  }
  if (spec.StreamViewType !== undefined && !VIEW_TYPES.has(spec.StreamViewType)) {
    throw new TemplateError(`${where}: stream view type '${spec.StreamViewType}' is not one of ${[...VIEW_TYPES].join(', ')}`);
  }
  if (spec.BillingMode === 'PROVISIONED' && spec.ProvisionedThroughput === undefined) {
    throw new TemplateError(`${where}: billing mode PROVISIONED needs read and write capacity`);
  }
  return spec;
}

/** The CreateTable request for `spec`. */
export function createTableInput(spec: TableSpec): Record<string, unknown> {
  const provisioned = spec.BillingMode === 'PROVISIONED';
  const index = (i: IndexSpec, global: boolean) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
    ...(global && provisioned && i.ProvisionedThroughput !== undefined ? { ProvisionedThroughput: i.ProvisionedThroughput } : {}),
    ...(global && !provisioned && i.OnDemandThroughput !== undefined ? { OnDemandThroughput: i.OnDemandThroughput } : {}),
  });
  const tags = Object.entries(spec.Tags);
  return {
    TableName: spec.TableName,
    AttributeDefinitions: spec.AttributeDefinitions,
    KeySchema: spec.KeySchema,
    BillingMode: spec.BillingMode,
    ...(provisioned ? { ProvisionedThroughput: spec.ProvisionedThroughput } : {}),
    ...(!provisioned && spec.OnDemandThroughput !== undefined ? { OnDemandThroughput: spec.OnDemandThroughput } : {}),
    ...(spec.GlobalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes: spec.GlobalSecondaryIndexes.map((i) => index(i, true)) } : {}),
    ...(spec.LocalSecondaryIndexes.length > 0 ? { LocalSecondaryIndexes: spec.LocalSecondaryIndexes.map((i) => index(i, false)) } : {}),
    ...(spec.StreamViewType !== undefined ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.StreamViewType } } : {}),
    ...(spec.SSESpecification !== undefined ? { SSESpecification: spec.SSESpecification } : {}),
    ...(spec.TableClass !== undefined ? { TableClass: spec.TableClass } : {}),
    ...(spec.DeletionProtectionEnabled !== undefined ? { DeletionProtectionEnabled: spec.DeletionProtectionEnabled } : {}),
    ...(tags.length > 0 ? { Tags: tags.map(([Key, Value]) => ({ Key, Value })) } : {}),
  };
}

/** `undefined` for absent, else a number; a template's '5' is 5. */
export function toNumber(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new TemplateError(`${what} must be a number, not ${JSON.stringify(value)}`);
  return n;
}

/** `undefined` for absent, else a boolean; templates write 'true' too. */
export function toBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True' || value === 'TRUE') return true;
  if (value === 'false' || value === 'False' || value === 'FALSE') return false;
  throw new TemplateError(`${what} must be true or false, not ${JSON.stringify(value)}`);
}

export function toStringValue(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${what} must be a string, not ${JSON.stringify(value)}`);
}
