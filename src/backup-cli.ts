/**
 * @module backup-cli
 * `openddb backup` and `openddb restore`, for operators (docs/backups.md):
 *
 *   openddb backup TABLE [--name NAME] [--endpoint URL] [--no-wait]
 *   openddb backup --data DIR --to DIR
 *   openddb restore --backup ARN --to TABLE [--endpoint URL] [--no-wait]
 *   openddb restore TABLE --to TABLE [--time ISO-8601 | --latest] [--endpoint URL] [--no-wait]
 *
 * Against a running server (default http://127.0.0.1:8000) the commands
 * call DynamoDB's API, signed with SigV4 from the AWS environment variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION;
 * a server without --auth takes any), and follow the job: a progress bar
 * with an ETA on a terminal, a plain line every few seconds otherwise.
 * `backup --data` copies a whole LMDB data directory, consistently, while
 * servers keep serving it (storage/lmdb-engine copyTo).
 */
import { createHash, createHmac } from 'node:crypto';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deriveSigningKey, formatAmzDate } from './auth/sigv4.js';

const USAGE = `usage: openddb backup TABLE [--name NAME] [--endpoint URL] [--no-wait]
       openddb backup --data DIR --to DIR
       openddb restore --backup ARN --to TABLE [--endpoint URL] [--no-wait]
       openddb restore TABLE --to TABLE [--time ISO-8601 | --latest] [--endpoint URL] [--no-wait]`;

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Client {
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A DynamoDB JSON client over fetch, signing with SigV4. */
function apiClient(endpoint: string): Client {
  const url = new URL(endpoint);
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID ?? 'local';
  const secret = process.env.AWS_SECRET_ACCESS_KEY ?? 'local';
  const token = process.env.AWS_SESSION_TOKEN;
  return {
    async call(operation, input) {
      const body = JSON.stringify(input);
      const amzDate = formatAmzDate(Date.now());
      const day = amzDate.slice(0, 8);
      const headers: Record<string, string> = {
        'content-type': 'application/x-amz-json-1.0',
        host: url.host,
        'x-amz-date': amzDate,
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        ...(token !== undefined ? { 'x-amz-security-token': token } : {}),
      };
      const names = Object.keys(headers).sort();
      const canonical = `POST\n/\n\n${names.map((n) => `${n}:${headers[n]}\n`).join('')}\n${names.join(';')}\n${sha256(body)}`;
      const scope = `${day}/${region}/dynamodb/aws4_request`;
      const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
      const signature = createHmac('sha256', deriveSigningKey(secret, day, region, 'dynamodb')).update(toSign).digest('hex');
      const { host: _host, ...sent } = headers;
      const response = await fetch(new URL('/', url), {
        method: 'POST',
        headers: { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` },
        body,
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok) {
        const type = String(json.__type ?? 'Error');
        throw new ApiError(type.slice(type.indexOf('#') + 1), String(json.message ?? json.Message ?? response.statusText));
      }
      return json;
    },
  };
}

/** One status line: redrawn in place on a terminal, printed every few seconds otherwise. */
class Progress {
  private lastPlain = 0;
  private readonly tty = process.stderr.isTTY === true;
  private readonly started = Date.now();

  show(what: string, done?: number, total?: number): void {
    const elapsed = (Date.now() - this.started) / 1000;
    let line = `${what} ${elapsed.toFixed(1)} s`;
    if (done !== undefined && total !== undefined && total > 0) {
      const fraction = Math.min(1, done / total);
      const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : undefined;
      const width = 24;
      const bar = this.tty ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ` : '';
      line = `${what} ${bar}${done}/${total} items (${Math.round(fraction * 100)} %), ${elapsed.toFixed(1)} s${eta === undefined ? '' : `, ETA ${eta.toFixed(0)} s`}`;
    }
    if (this.tty) process.stderr.write(`\r\x1b[K${line}`);
    else if (Date.now() - this.lastPlain >= 2000) {
      this.lastPlain = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  done(line: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runBackupCli(command: 'backup' | 'restore', argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        endpoint: { type: 'string', default: 'http://127.0.0.1:8000' },
        name: { type: 'string' },
        data: { type: 'string' },
        to: { type: 'string' },
        backup: { type: 'string' },
        time: { type: 'string' },
        latest: { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`openddb ${command}: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    if (command === 'backup' && values.data !== undefined) return await backupDirectory(values.data, values.to);
    const client = apiClient(values.endpoint);
    const wait = !values['no-wait'];
    if (command === 'backup') {
      const table = positionals[0];
      if (table === undefined || positionals.length > 1) return usage(command, 'name one table');
      return await backupTable(client, table, values.name ?? `${table}-${new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}`, wait);
    }
    if (values.to === undefined) return usage(command, '--to TABLE is required');
    if (values.backup !== undefined) {
      if (positionals.length > 0) return usage(command, 'either --backup ARN or a source table, not both');
      return await restore(client, 'RestoreTableFromBackup', { BackupArn: values.backup, TargetTableName: values.to }, wait, async () => {
        const d = await client.call('DescribeBackup', { BackupArn: values.backup! });
        return ((d.BackupDescription as Record<string, Record<string, unknown>>).SourceTableDetails!.ItemCount as number | undefined) ?? 0;
      });
    }
    const source = positionals[0];
    if (source === undefined || positionals.length > 1) return usage(command, 'name the source table (or --backup ARN)');
    if (values.latest === (values.time !== undefined)) return usage(command, 'give exactly one of --time and --latest');
    const input: Record<string, unknown> = { SourceTableName: source, TargetTableName: values.to };
    if (values.latest) input.UseLatestRestorableTime = true;
    else {
      const ms = Date.parse(values.time!);
      if (Number.isNaN(ms)) return usage(command, `--time ${values.time} is not an ISO 8601 time`);
      input.RestoreDateTime = ms / 1000;
    }
    return await restore(client, 'RestoreTableToPointInTime', input, wait, async () => {
      const d = await client.call('DescribeTable', { TableName: source });
      return ((d.Table as Record<string, unknown>).ItemCount as number | undefined) ?? 0;
    });
  } catch (e) {
    if (e instanceof ApiError) {
      process.stderr.write(`openddb ${command}: ${e.type}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function usage(command: string, message: string): number {
  process.stderr.write(`openddb ${command}: ${message}\n${USAGE}\n`);
  return 2;
}

async function backupTable(client: Client, table: string, name: string, wait: boolean): Promise<number> {
  const created = await client.call('CreateBackup', { TableName: table, BackupName: name });
  const arn = String((created.BackupDetails as Record<string, unknown>).BackupArn);
  const progress = new Progress();
  for (;;) {
    const d = await client.call('DescribeBackup', { BackupArn: arn });
    const details = (d.BackupDescription as Record<string, Record<string, unknown>>).BackupDetails!;
    if (details.BackupStatus === 'AVAILABLE' || !wait) {
      progress.done(`${arn} ${String(details.BackupStatus)}${details.BackupSizeBytes === undefined ? '' : ` ${String(details.BackupSizeBytes)} bytes`}`);
      return 0;
    }
    progress.show(`backup of ${table}: ${String(details.BackupStatus)}`);
    await sleep(250);
  }
}

async function restore(
  client: Client,
  operation: string,
  input: Record<string, unknown>,
  wait: boolean,
  sourceItems: () => Promise<number>,
): Promise<number> {
  const total = await sourceItems().catch(() => 0);
  const answer = await client.call(operation, input);
  const target = String(input.TargetTableName);
  if (!wait) {
    progress0(answer, target);
    return 0;
  }
  const progress = new Progress();
  for (;;) {
    const d = await client.call('DescribeTable', { TableName: target });
    const table = d.Table as Record<string, unknown>;
    if (table.TableStatus === 'ACTIVE') {
      progress.done(`${target} ACTIVE, ${String(table.ItemCount ?? 0)} items`);
      return 0;
    }
    progress.show(`restore of ${target}: ${String(table.TableStatus)}`, Number(table.ItemCount ?? 0), total);
    await sleep(500);
  }
}

function progress0(answer: Record<string, unknown>, target: string): void {
  const table = answer.TableDescription as Record<string, unknown>;
  process.stdout.write(`${target} ${String(table.TableStatus)}\n`);
}

async function backupDirectory(data: string, to: string | undefined): Promise<number> {
  if (to === undefined) return usage('backup', '--to DIR is required with --data');
  if (/^[a-z]+:/.test(data)) {
    process.stderr.write(
      `openddb backup: --data takes a data directory. For PostgreSQL, use its own tools, e.g.\n  pg_dump --schema=openddb --format=custom --file=openddb.dump DATABASE\n(one consistent snapshot while servers run; restore with pg_restore)\n`,
    );
    return 2;
  }
  const { FORMAT_FILE } = await import('./storage/open-engine.js');
  if (!existsSync(join(data, FORMAT_FILE))) {
    process.stderr.write(`openddb backup: ${data} is not an openddb data directory (no ${FORMAT_FILE})\n`);
    return 1;
  }
  const { LmdbEngine } = await import('./storage/lmdb-engine.js');
  const engine = await LmdbEngine.open({ path: data });
  const progress = new Progress();
  try {
    progress.show(`copying ${data} to ${to}`);
    await engine.copyTo(to, true);
    // The format record makes the copy a data directory openddb will open.
    copyFileSync(join(data, FORMAT_FILE), join(to, FORMAT_FILE));
  } finally {
    await engine.close();
  }
  progress.done(`${data} copied to ${to} (one consistent snapshot, compacted): serve it with openddb serve --data ${to}`);
  return 0;
}
