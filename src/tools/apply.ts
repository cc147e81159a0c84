/**
 * @module tools/apply
 * `openddb apply FILE… [--dry-run]`: creates or updates the tables of
 * CloudFormation/SAM templates and Terraform configurations through the
 * DynamoDB API (tools/cloudformation, tools/terraform → tools/table-plan).
 * Every plan is made, and checked for changes DynamoDB cannot make, before
 * the first call: a template that cannot apply changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ApiError, DEFAULT_ENDPOINT, DynamoClient, clientOptionsFromEnv, describeError, sleep } from './client.js';
import { declaredParameters, isCloudFormation, parseTemplateText, tablesFromCloudFormation } from './cloudformation.js';
import { formatPlans, planTable, type CurrentTable, type TablePlan } from './table-plan.js';
import { TemplateError, type TableSpec } from './table-spec.js';
import { declaredVariables, hclToJson, isTerraform, tablesFromTerraform } from './terraform.js';

export const APPLY_USAGE = `usage: openddb apply FILE... [--dry-run] [--endpoint URL] [--region REGION]
                     [--parameter NAME=VALUE]... [--var NAME=VALUE]... [--stack-name NAME] [--wait-timeout SECONDS]`;

export interface TemplateOptions {
  /** CloudFormation parameters (--parameter). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Terraform variables (--var). */
  readonly vars: Readonly<Record<string, string>>;
  readonly stackName?: string | undefined;
  readonly region: string;
  readonly accountId?: string;
}

/** The tables of one template file, whichever language it is in; adds the parameters and variables it declares to `declared`. */
export async function readTemplateFile(file: string, options: TemplateOptions, declared = new Set<string>()): Promise<TableSpec[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TemplateError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (/\.tf$/i.test(file) || /\.hcl$/i.test(file)) {
    const hcl = await hclToJson(file, text);
    for (const v of declaredVariables(hcl)) declared.add(`var:${v}`);
    return tablesFromTerraform(hcl, options.vars);
  }
  const doc = await parseTemplateText(text, file);
  if (isCloudFormation(doc)) {
    for (const p of declaredParameters(doc)) declared.add(`parameter:${p}`);
    return tablesFromCloudFormation(doc, { parameters: options.parameters, region: options.region, accountId: options.accountId ?? '123456789012', stackName: options.stackName });
  }
  if (isTerraform(doc)) {
    for (const v of declaredVariables(doc)) declared.add(`var:${v}`);
    return tablesFromTerraform(doc, options.vars);
  }
  throw new TemplateError(`${file}: neither a CloudFormation/SAM template (Resources) nor a Terraform configuration (resource)`);
}

/** What the server has of `table`, or undefined if there is no such table. */
export async function describeCurrent(client: DynamoClient, table: string): Promise<CurrentTable | undefined> {
  let described: { Table: Record<string, unknown> };
  try {
    described = await client.call('DescribeTable', { TableName: table });
  } catch (e) {
    if (e instanceof ApiError && e.type === 'ResourceNotFoundException') return undefined;
    throw e;
  }
  const ttl = await client.call<{ TimeToLiveDescription?: { TimeToLiveStatus?: string; AttributeName?: string } }>('DescribeTimeToLive', { TableName: table });
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  const ttlAttribute = status === 'ENABLED' || status === 'ENABLING' ? ttl.TimeToLiveDescription?.AttributeName : undefined;
  let pitr: boolean | undefined;
  try {
    const backups = await client.call<{ ContinuousBackupsDescription?: { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string } } }>(
      'DescribeContinuousBackups',
      { TableName: table },
    );
    const s = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    pitr = s === undefined ? undefined : s === 'ENABLED' || s === 'ENABLING';
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
  }
  let tags: Record<string, string> | undefined = {};
  let next: string | undefined;
  try {
    do {
      const page: { Tags?: { Key: string; Value: string }[]; NextToken?: string } = await client.call('ListTagsOfResource', {
        ResourceArn: described.Table.TableArn,
        ...(next !== undefined ? { NextToken: next } : {}),
      });
      for (const t of page.Tags ?? []) tags[t.Key] = t.Value;
      next = page.NextToken;
    } while (next !== undefined);
  } catch (e) {
    // DynamoDB Local has no tagging; the rest of a plan still applies there.
    if (!(e instanceof ApiError && e.type === 'UnknownOperationException')) throw e;
    tags = undefined;
  }
  return { table: described.Table, ttlAttribute, pitr, tags };
}

/** Waits until `table` and all its indexes are ACTIVE (DynamoDB takes one change at a time). */
export async function waitActive(client: DynamoClient, table: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 1000)) {
    const { Table } = await client.call<{ Table: { TableStatus?: string; GlobalSecondaryIndexes?: { IndexName: string; IndexStatus?: string }[] } }>('DescribeTable', { TableName: table });
    const pending = (Table.GlobalSecondaryIndexes ?? []).filter((g) => g.IndexStatus !== 'ACTIVE');
    if (Table.TableStatus === 'ACTIVE' && pending.length === 0) return;
    if (Date.now() > deadline) {
      const what = Table.TableStatus !== 'ACTIVE' ? `table status ${Table.TableStatus}` : `index ${pending.map((g) => `${g.IndexName} ${g.IndexStatus}`).join(', ')}`;
      throw new Error(`${table} did not become ACTIVE within ${Math.round(timeoutMs / 1000)} s (${what})`);
    }
    await sleep(delay);
  }
}

export interface ApplyOptions extends TemplateOptions {
  readonly dryRun: boolean;
  readonly waitTimeoutMs: number;
}

/**
 * Applies `files` through `client`; writes the plan and progress with
 * `log`. Returns the plans; throws (having changed nothing) when a plan
 * has problems, or with the failing call's error.
 */
export async function applyFiles(client: DynamoClient, files: readonly string[], options: ApplyOptions, log: (line: string) => void): Promise<TablePlan[]> {
  const specs: TableSpec[] = [];
  const declared = new Set<string>();
  for (const file of files) specs.push(...(await readTemplateFile(file, options, declared)));
  // A misspelt name would otherwise be ignored silently.
  for (const name of Object.keys(options.parameters)) {
    if (!declared.has(`parameter:${name}`)) throw new TemplateError(`--parameter ${name}: no template declares a parameter ${name}`);
  }
  for (const name of Object.keys(options.vars)) {
    if (!declared.has(`var:${name}`)) throw new TemplateError(`--var ${name}: no configuration declares a variable ${name}`);
  }
  const seen = new Map<string, string>();
  for (const s of specs) {
    const other = seen.get(s.TableName);
    if (other !== undefined) throw new TemplateError(`table ${s.TableName} is declared twice (${other} and ${s.source})`);
    seen.set(s.TableName, s.source);
  }
  const plans: TablePlan[] = [];
  for (const spec of specs) plans.push(planTable(spec, await describeCurrent(client, spec.TableName)));
  log(formatPlans(plans).trimEnd());
  const problems = plans.flatMap((p) => p.problems);
  if (problems.length > 0) throw new TemplateError(`nothing was applied: ${problems.length} change${problems.length === 1 ? '' : 's'} DynamoDB cannot make in place (see above)`);
  if (options.dryRun) return plans;
  for (const plan of plans) {
    // A table still creating or updating (another apply, a backfill) would refuse the first UpdateTable.
    if (plan.action === 'update') await waitActive(client, plan.table, options.waitTimeoutMs);
    for (const step of plan.steps) {
      try {
        await client.call(step.operation, step.input);
        if (step.waitActive) await waitActive(client, plan.table, options.waitTimeoutMs);
      } catch (e) {
        throw new Error(`table ${plan.table}: ${step.summary.replace(/^[-+~] /, '')} failed: ${describeError(e)}`, { cause: e });
      }
    }
    if (plan.steps.length > 0) log(`applied ${plan.steps.length} change${plan.steps.length === 1 ? '' : 's'} to ${plan.table}`);
  }
  return plans;
}

/** `NAME=VALUE` options into a record; throws the message for a malformed one. */
export function keyValues(values: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new TemplateError(`${flag} takes NAME=VALUE, not '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export async function runApply(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        endpoint: { type: 'string', default: DEFAULT_ENDPOINT },
        region: { type: 'string' },
        parameter: { type: 'string', multiple: true },
        var: { type: 'string', multiple: true },
        'stack-name': { type: 'string' },
        'wait-timeout': { type: 'string', default: '600' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`openddb apply: ${(e as Error).message}\n${APPLY_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${APPLY_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(`openddb apply: name a template file\n${APPLY_USAGE}\n`);
    return 2;
  }
  const waitSeconds = Number(values['wait-timeout']);
  if (!Number.isFinite(waitSeconds) || waitSeconds <= 0) {
    process.stderr.write(`openddb apply: --wait-timeout must be a number of seconds, not '${values['wait-timeout']}'\n`);
    return 2;
  }
  try {
    const client = new DynamoClient(clientOptionsFromEnv(values.endpoint, values.region));
    await applyFiles(
      client,
      positionals,
      {
        dryRun: values['dry-run'],
        waitTimeoutMs: waitSeconds * 1000,
        parameters: keyValues(values.parameter, '--parameter'),
        vars: keyValues(values.var, '--var'),
        stackName: values['stack-name'],
        region: client.region,
      },
      (line) => process.stdout.write(`${line}\n`),
    );
    return 0;
  } catch (e) {
    process.stderr.write(`openddb apply: ${describeError(e)}\n`);
    return 1;
  }
}

/**
 * `serve --apply FILE`: applies the templates to the server just started at
 * `url`, quietly unless something fails. Returns the failure's message.
 * Parameters and variables take their defaults; the credentials are the
 * environment's (as for `openddb apply`).
 */
export async function applyAtStart(url: string, files: readonly string[], region: string | undefined): Promise<string | undefined> {
  try {
    const client = new DynamoClient(clientOptionsFromEnv(url, region));
    await applyFiles(client, files, { dryRun: false, waitTimeoutMs: 600_000, parameters: {}, vars: {}, region: client.region }, () => {});
    return undefined;
  } catch (e) {
    return describeError(e);
  }
}
