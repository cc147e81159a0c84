/**
 * @module tools/table-plan
 * What `openddb apply` must do to make a table what a template says:
 * pure, from the table's description (DescribeTable, DescribeTimeToLive,
 * DescribeContinuousBackups, ListTagsOfResource) to a list of API calls.
 *
 * The calls come in the order DynamoDB allows: one index created or deleted
 * per UpdateTable, the table (and its indexes) ACTIVE again before the next
 * UpdateTable; index deletions first (a changed index is deleted and made
 * again, as CloudFormation does), then billing and throughput (switching to
 * PROVISIONED gives every kept index its throughput in the same call), then
 * index creations, streams (a changed view type is off, then on), class and
 * deletion protection, TTL (a changed attribute is off, then on), PITR, tags.
 * What DynamoDB cannot change in place — the key schema, local secondary
 * indexes — is a problem the plan reports; apply then changes nothing,
 * rather than deleting a table with its data.
 */
import { createTableInput, type IndexSpec, type KeySchemaElement, type Projection, type TableSpec } from './table-spec.js';

export interface Step {
  readonly operation: 'CreateTable' | 'UpdateTable' | 'UpdateTimeToLive' | 'UpdateContinuousBackups' | 'TagResource' | 'UntagResource';
  readonly input: Record<string, unknown>;
  /** One line for the plan: `+ create GSI byEmail`. */
  readonly summary: string;
  /** Wait until the table and every index are ACTIVE after this call. */
  readonly waitActive: boolean;
}

export interface TablePlan {
  readonly table: string;
  readonly source: string;
  readonly action: 'create' | 'update' | 'unchanged';
  readonly steps: readonly Step[];
  /** Changes DynamoDB cannot make in place; when any, nothing is applied. */
  readonly problems: readonly string[];
  /** What the plan leaves out, and why (printed with it). */
  readonly notes?: readonly string[];
}

/** What a server says of an existing table. */
export interface CurrentTable {
  /** DescribeTable's Table. */
  readonly table: Record<string, unknown>;
  /** The enabled TTL attribute, if any. */
  readonly ttlAttribute: string | undefined;
  /** PITR status, or undefined if the server could not say. */
  readonly pitr: boolean | undefined;
  /** undefined if the server has no tagging (DynamoDB Local): tags are then left as they are. */
  readonly tags: Readonly<Record<string, string>> | undefined;
}

interface DescribedIndex {
  readonly IndexName: string;
  readonly KeySchema: readonly KeySchemaElement[];
  readonly Projection: Projection;
  readonly ProvisionedThroughput?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number };
}

export function planTable(spec: TableSpec, current: CurrentTable | undefined): TablePlan {
  if (current === undefined) return planCreate(spec);
  const steps: Step[] = [];
  const problems: string[] = [];
  const t = current.table;
  const name = spec.TableName;
  const arn = String(t.TableArn as string);

  if (!sameKeys(t.KeySchema as KeySchemaElement[], spec.KeySchema)) {
    problems.push(`${name}: the key schema differs (${keysText(t.KeySchema as KeySchemaElement[])} → ${keysText(spec.KeySchema)}); DynamoDB cannot change it: the table must be replaced`);
  }
  const currentLsis = (t.LocalSecondaryIndexes as DescribedIndex[] | undefined) ?? [];
  if (!sameIndexSet(currentLsis, spec.LocalSecondaryIndexes)) {
    problems.push(`${name}: the local secondary indexes differ; DynamoDB cannot change them: the table must be replaced`);
  }
  // Key attribute types are fixed too (an index can only be dropped and made again).
  const currentTypes = new Map(((t.AttributeDefinitions as { AttributeName: string; AttributeType: string }[] | undefined) ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  for (const k of spec.KeySchema) {
    const want = spec.AttributeDefinitions.find((a) => a.AttributeName === k.AttributeName)?.AttributeType;
    const have = currentTypes.get(k.AttributeName);
    if (have !== undefined && want !== undefined && have !== want) problems.push(`${name}: key attribute ${k.AttributeName} is ${have}, the template says ${want}; the table must be replaced`);
  }

  const currentGsis = new Map(((t.GlobalSecondaryIndexes as DescribedIndex[] | undefined) ?? []).map((g) => [g.IndexName, g]));
  const wantedGsis = new Map(spec.GlobalSecondaryIndexes.map((g) => [g.IndexName, g]));
  const toDelete: string[] = [];
  const toCreate: IndexSpec[] = [];
  for (const [indexName, have] of currentGsis) {
    const want = wantedGsis.get(indexName);
    if (want === undefined) toDelete.push(indexName);
    else if (!sameIndex(have, want)) {
      toDelete.push(indexName);
      toCreate.push(want);
    }
  }
  for (const [indexName, want] of wantedGsis) if (!currentGsis.has(indexName)) toCreate.push(want);

  for (const indexName of toDelete) {
    steps.push({
      operation: 'UpdateTable',
      input: { TableName: name, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: indexName } }] },
      summary: wantedGsis.has(indexName) ? `- delete GSI ${indexName} (changed: made again below)` : `- delete GSI ${indexName}`,
      waitActive: true,
    });
  }

  const billing = ((t.BillingModeSummary as { BillingMode?: string } | undefined)?.BillingMode ?? 'PROVISIONED') as TableSpec['BillingMode'];
  const havePt = t.ProvisionedThroughput as { ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined;
  const keptGsis = spec.GlobalSecondaryIndexes.filter((g) => currentGsis.has(g.IndexName) && !toCreate.includes(g));
  if (spec.BillingMode === 'PAY_PER_REQUEST' && billing === 'PROVISIONED') {
    steps.push({ operation: 'UpdateTable', input: { TableName: name, BillingMode: 'PAY_PER_REQUEST' }, summary: `~ billing PROVISIONED → PAY_PER_REQUEST`, waitActive: true });
  } else if (spec.BillingMode === 'PROVISIONED') {
    const pt = spec.ProvisionedThroughput!;
    const switching = billing === 'PAY_PER_REQUEST';
    const tableChanged = switching || havePt?.ReadCapacityUnits !== pt.ReadCapacityUnits || havePt?.WriteCapacityUnits !== pt.WriteCapacityUnits;
    const indexUpdates = keptGsis
      .filter((g) => g.ProvisionedThroughput !== undefined)
      .filter((g) => {
        const have = currentGsis.get(g.IndexName)?.ProvisionedThroughput;
        return switching || have?.ReadCapacityUnits !== g.ProvisionedThroughput!.ReadCapacityUnits || have?.WriteCapacityUnits !== g.ProvisionedThroughput!.WriteCapacityUnits;
      })
      .map((g) => ({ Update: { IndexName: g.IndexName, ProvisionedThroughput: g.ProvisionedThroughput } }));
    if (tableChanged || indexUpdates.length > 0) {
      const what = switching
        ? `~ billing PAY_PER_REQUEST → PROVISIONED (${pt.ReadCapacityUnits} RCU / ${pt.WriteCapacityUnits} WCU)`
        : tableChanged
          ? `~ throughput ${havePt?.ReadCapacityUnits ?? '?'}/${havePt?.WriteCapacityUnits ?? '?'} → ${pt.ReadCapacityUnits}/${pt.WriteCapacityUnits} (RCU/WCU)`
          : `~ GSI throughput`;
      const indexNote = indexUpdates.length > 0 ? ` and GSI throughput of ${indexUpdates.map((u) => u.Update.IndexName).join(', ')}` : '';
      steps.push({
        operation: 'UpdateTable',
        input: {
          TableName: name,
          ...(switching ? { BillingMode: 'PROVISIONED' } : {}),
          ...(tableChanged ? { ProvisionedThroughput: pt } : {}),
          ...(indexUpdates.length > 0 ? { GlobalSecondaryIndexUpdates: indexUpdates } : {}),
        },
        summary: `${what}${indexNote}`,
        waitActive: true,
      });
    }
  }

  for (const index of toCreate) {
    const attributes = spec.AttributeDefinitions.filter((a) => index.KeySchema.some((k) => k.AttributeName === a.AttributeName));
    steps.push({
      operation: 'UpdateTable',
      input: {
        TableName: name,
        AttributeDefinitions: attributes,
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
              ...(spec.BillingMode === 'PROVISIONED' && index.ProvisionedThroughput !== undefined ? { ProvisionedThroughput: index.ProvisionedThroughput } : {}),
              ...(spec.BillingMode === 'PAY_PER_REQUEST' && index.OnDemandThroughput !== undefined ? { OnDemandThroughput: index.OnDemandThroughput } : {}),
            },
          },
        ],
      },
      summary: `+ create GSI ${index.IndexName} (${keysText(index.KeySchema)}, ${index.Projection.ProjectionType})`,
      waitActive: true,
    });
  }

  const stream = t.StreamSpecification as { StreamEnabled?: boolean; StreamViewType?: string } | undefined;
  const haveView = stream?.StreamEnabled === true ? stream.StreamViewType : undefined;
  if (haveView !== spec.StreamViewType) {
    if (haveView !== undefined) {
      steps.push({ operation: 'UpdateTable', input: { TableName: name, StreamSpecification: { StreamEnabled: false } }, summary: `- disable stream (${haveView})`, waitActive: true });
    }
    if (spec.StreamViewType !== undefined) {
      steps.push({
        operation: 'UpdateTable',
        input: { TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: spec.StreamViewType } },
        summary: `+ enable stream (${spec.StreamViewType})`,
        waitActive: true,
      });
    }
  }

  const haveClass = (t.TableClassSummary as { TableClass?: string } | undefined)?.TableClass ?? 'STANDARD';
  if (spec.TableClass !== undefined && spec.TableClass !== haveClass) {
    steps.push({ operation: 'UpdateTable', input: { TableName: name, TableClass: spec.TableClass }, summary: `~ table class ${haveClass} → ${spec.TableClass}`, waitActive: true });
  }
  const haveProtection = t.DeletionProtectionEnabled === true;
  if (spec.DeletionProtectionEnabled !== undefined && spec.DeletionProtectionEnabled !== haveProtection) {
    steps.push({
      operation: 'UpdateTable',
      input: { TableName: name, DeletionProtectionEnabled: spec.DeletionProtectionEnabled },
      summary: `~ deletion protection ${haveProtection ? 'on' : 'off'} → ${spec.DeletionProtectionEnabled ? 'on' : 'off'}`,
      waitActive: true,
    });
  }

  if (current.ttlAttribute !== spec.TimeToLiveAttribute) {
    if (current.ttlAttribute !== undefined) {
      steps.push({
        operation: 'UpdateTimeToLive',
        input: { TableName: name, TimeToLiveSpecification: { AttributeName: current.ttlAttribute, Enabled: false } },
        summary: `- disable TTL on ${current.ttlAttribute}`,
        waitActive: false,
      });
    }
    if (spec.TimeToLiveAttribute !== undefined) steps.push(ttlStep(name, spec.TimeToLiveAttribute));
  }
  if (current.pitr !== spec.PointInTimeRecovery && !(current.pitr === undefined && !spec.PointInTimeRecovery)) {
    steps.push(pitrStep(name, spec.PointInTimeRecovery));
  }

  const haveTags = current.tags ?? spec.Tags;
  const notes = current.tags === undefined ? ['tags not compared: the server does not support tagging'] : [];
  const added = Object.entries(spec.Tags).filter(([k, v]) => haveTags[k] !== v);
  // aws: tags belong to AWS (CloudFormation's own); a template cannot remove them.
  const removed = Object.keys(haveTags).filter((k) => !(k in spec.Tags) && !k.startsWith('aws:'));
  if (added.length > 0) {
    steps.push({
      operation: 'TagResource',
      input: { ResourceArn: arn, Tags: added.map(([Key, Value]) => ({ Key, Value })) },
      summary: `~ tags: set ${added.map(([k, v]) => `${k}=${v}`).join(', ')}`,
      waitActive: false,
    });
  }
  if (removed.length > 0) {
    steps.push({ operation: 'UntagResource', input: { ResourceArn: arn, TagKeys: removed }, summary: `~ tags: remove ${removed.join(', ')}`, waitActive: false });
  }
  return { table: name, source: spec.source, action: steps.length === 0 ? 'unchanged' : 'update', steps, problems, notes };
}

function planCreate(spec: TableSpec): TablePlan {
  const parts = [spec.BillingMode === 'PROVISIONED' ? `PROVISIONED ${spec.ProvisionedThroughput!.ReadCapacityUnits}/${spec.ProvisionedThroughput!.WriteCapacityUnits}` : 'PAY_PER_REQUEST', keysText(spec.KeySchema)];
  if (spec.GlobalSecondaryIndexes.length > 0) parts.push(`GSIs ${spec.GlobalSecondaryIndexes.map((g) => g.IndexName).join(', ')}`);
  if (spec.LocalSecondaryIndexes.length > 0) parts.push(`LSIs ${spec.LocalSecondaryIndexes.map((g) => g.IndexName).join(', ')}`);
  if (spec.StreamViewType !== undefined) parts.push(`stream ${spec.StreamViewType}`);
  const tagCount = Object.keys(spec.Tags).length;
  if (tagCount > 0) parts.push(`${tagCount} tag${tagCount === 1 ? '' : 's'}`);
  const steps: Step[] = [{ operation: 'CreateTable', input: createTableInput(spec), summary: `+ create table (${parts.join('; ')})`, waitActive: true }];
  if (spec.TimeToLiveAttribute !== undefined) steps.push(ttlStep(spec.TableName, spec.TimeToLiveAttribute));
  if (spec.PointInTimeRecovery) steps.push(pitrStep(spec.TableName, true));
  return { table: spec.TableName, source: spec.source, action: 'create', steps, problems: [] };
}

function ttlStep(table: string, attribute: string): Step {
  return {
    operation: 'UpdateTimeToLive',
    input: { TableName: table, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } },
    summary: `+ enable TTL on ${attribute}`,
    waitActive: false,
  };
}

function pitrStep(table: string, enabled: boolean): Step {
  return {
    operation: 'UpdateContinuousBackups',
    input: { TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: enabled } },
    summary: `${enabled ? '+ enable' : '- disable'} point-in-time recovery`,
    waitActive: false,
  };
}

function keysText(keys: readonly KeySchemaElement[] | undefined): string {
  return (keys ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ');
}

function sameKeys(a: readonly KeySchemaElement[] | undefined, b: readonly KeySchemaElement[]): boolean {
  return keysText(a) === keysText(b);
}

function projectionText(p: Projection | undefined): string {
  const type = p?.ProjectionType ?? 'KEYS_ONLY';
  return type === 'INCLUDE' ? `INCLUDE(${[...(p?.NonKeyAttributes ?? [])].sort().join(',')})` : type;
}

function sameIndex(a: DescribedIndex, b: IndexSpec): boolean {
  return sameKeys(a.KeySchema, b.KeySchema) && projectionText(a.Projection) === projectionText(b.Projection);
}

function sameIndexSet(have: readonly DescribedIndex[], want: readonly IndexSpec[]): boolean {
  if (have.length !== want.length) return false;
  return want.every((w) => {
    const h = have.find((x) => x.IndexName === w.IndexName);
    return h !== undefined && sameIndex(h, w);
  });
}

/** The plan as text, as --dry-run prints it. */
export function formatPlans(plans: readonly TablePlan[]): string {
  const lines: string[] = [];
  for (const p of plans) {
    const label = p.problems.length > 0 ? 'cannot apply' : p.action === 'create' ? 'create' : p.action === 'update' ? 'update' : 'no changes';
    lines.push(`table ${p.table} (${p.source}): ${label}`);
    for (const problem of p.problems) lines.push(`  ! ${problem}`);
    if (p.problems.length === 0) for (const s of p.steps) lines.push(`  ${s.summary}`);
    for (const note of p.notes ?? []) lines.push(`  (${note})`);
  }
  return `${lines.join('\n')}\n`;
}
