/**
 * @module transfer/cli
 * `openddb export` and `openddb import`: operator commands that start an
 * export or an import on a running server (`--endpoint`, default
 * http://127.0.0.1:8000) and follow it to its end, with a progress bar and
 * an ETA on a terminal and plain lines otherwise. They speak DynamoDB's
 * protocol, signed with SigV4 from the usual AWS variables (placeholders
 * when there are none: a server without --auth accepts any).
 */
import { createHash, createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

export const TRANSFER_USAGE = `usage: openddb export --table NAME --bucket BUCKET [--prefix PREFIX] [--format DYNAMODB_JSON|ION]
                      [--endpoint http://127.0.0.1:8000] [--region us-east-1]
       openddb import --table NAME --bucket BUCKET [--prefix PREFIX] --key ATTR:TYPE[,ATTR:TYPE]
                      [--format DYNAMODB_JSON|ION|CSV] [--compression NONE|GZIP|ZSTD]
                      [--csv-delimiter ,] [--csv-headers A,B,…] [--endpoint …] [--region …]`;

interface Caller {
  call(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

/** A DynamoDB JSON-protocol client over fetch, SigV4-signed. */
export function caller(endpoint: string, region: string): Caller {
  const accessKey = process.env.AWS_ACCESS_KEY_ID ?? 'openddb';
  const secret = process.env.AWS_SECRET_ACCESS_KEY ?? 'openddb';
  const token = process.env.AWS_SESSION_TOKEN;
  const url = new URL(endpoint);
  return {
    async call(operation, body) {
      const payload = JSON.stringify(body);
      const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      const day = amzDate.slice(0, 8);
      const headers: Record<string, string> = {
        'content-type': 'application/x-amz-json-1.0',
        host: url.host,
        'x-amz-date': amzDate,
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        ...(token !== undefined ? { 'x-amz-security-token': token } : {}),
      };
      const names = Object.keys(headers).sort();
      const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), createHash('sha256').update(payload).digest('hex')].join('\n');
      const scope = `${day}/${region}/dynamodb/aws4_request`;
      const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
      const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'dynamodb'), 'aws4_request');
      const signature = createHmac('sha256', key).update(toSign).digest('hex');
      const response = await fetch(new URL('/', url), {
        method: 'POST',
        headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` },
        body: payload,
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok) {
        const type = String(json.__type ?? 'Error');
        throw new Error(`${type.slice(type.indexOf('#') + 1)}: ${String(json.message ?? json.Message ?? '')}`);
      }
      return json;
    },
  };
}

/** Progress output: a bar with ETA on a terminal, a line every few seconds otherwise. */
export class ProgressReporter {
  private lastLine = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly what: string,
  ) {}

  update(done: number, total: number | undefined, detail: string): void {
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    if (this.out.isTTY) {
      const width = 30;
      const fraction = total !== undefined && total > 0 ? Math.min(1, done / total) : undefined;
      const bar = fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      const eta = fraction !== undefined && rate > 0 && total !== undefined ? ` ETA ${formatSeconds(Math.max(0, (total - done) / rate))}` : '';
      this.out.write(`\r${this.what} ${bar}${done} items, ${rate.toFixed(0)}/s${eta} ${detail}\u001b[K`);
    } else if (Date.now() - this.lastLine >= 2000) {
      this.lastLine = Date.now();
      this.out.write(`${this.what}: ${done}${total !== undefined ? ` of ~${total}` : ''} items, ${rate.toFixed(0)} items/s ${detail}\n`);
    }
  }

  finish(line: string): void {
    this.out.write(`${this.out.isTTY ? '\r\u001b[K' : ''}${line}\n`);
  }
}

function formatSeconds(s: number): string {
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs `openddb export|import …`; resolves the exit code. */
export async function runTransferCommand(command: 'export' | 'import', argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        table: { type: 'string' },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        format: { type: 'string' },
        compression: { type: 'string' },
        key: { type: 'string' },
        'csv-delimiter': { type: 'string' },
        'csv-headers': { type: 'string' },
        endpoint: { type: 'string', default: 'http://127.0.0.1:8000' },
        region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`openddb ${command}: ${(e as Error).message}\n${TRANSFER_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${TRANSFER_USAGE}\n`);
    return 0;
  }
  if (values.table === undefined || values.bucket === undefined || (command === 'import' && values.key === undefined)) {
    process.stderr.write(`openddb ${command}: --table, --bucket${command === 'import' ? ' and --key' : ''} are required\n${TRANSFER_USAGE}\n`);
    return 2;
  }
  const ddb = caller(values.endpoint, values.region);
  const progress = new ProgressReporter(process.stderr, command === 'export' ? `export ${values.table}` : `import ${values.table}`);
  try {
    if (command === 'export') {
      const table = (await ddb.call('DescribeTable', { TableName: values.table })).Table as { TableArn: string; ItemCount?: number };
      const started = (
        await ddb.call('ExportTableToPointInTime', {
          TableArn: table.TableArn,
          S3Bucket: values.bucket,
          ...(values.prefix !== undefined ? { S3Prefix: values.prefix } : {}),
          ...(values.format !== undefined ? { ExportFormat: values.format } : {}),
        })
      ).ExportDescription as { ExportArn: string };
      for (;;) {
        const d = (await ddb.call('DescribeExport', { ExportArn: started.ExportArn })).ExportDescription as Record<string, unknown>;
        const done = Number(d.ItemCount ?? 0);
        if (d.ExportStatus !== 'IN_PROGRESS') {
          progress.finish(`export ${String(d.ExportStatus)}: ${done} items, manifest s3://${values.bucket}/${String(d.ExportManifest ?? '')}${d.FailureMessage !== undefined ? ` (${String(d.FailureCode)}: ${String(d.FailureMessage)})` : ''}`);
          process.stdout.write(`${started.ExportArn}\n`);
          return d.ExportStatus === 'COMPLETED' ? 0 : 1;
        }
        progress.update(done, table.ItemCount, '');
        await sleep(500);
      }
    }
    const attributes = values.key!.split(',').map((k) => k.split(':') as [string, string]);
    if (attributes.length > 2 || attributes.some(([name, type]) => !name || !['S', 'N', 'B'].includes(type))) {
      process.stderr.write(`openddb import: --key is ATTR:TYPE (S, N or B), then the sort key's, e.g. pk:S,sk:N\n`);
      return 2;
    }
    const started = (
      await ddb.call('ImportTable', {
        S3BucketSource: { S3Bucket: values.bucket, ...(values.prefix !== undefined ? { S3KeyPrefix: values.prefix } : {}) },
        InputFormat: values.format ?? 'DYNAMODB_JSON',
        InputCompressionType: values.compression ?? 'NONE',
        ...(values['csv-delimiter'] !== undefined || values['csv-headers'] !== undefined
          ? {
              InputFormatOptions: {
                Csv: {
                  ...(values['csv-delimiter'] !== undefined ? { Delimiter: values['csv-delimiter'] } : {}),
                  ...(values['csv-headers'] !== undefined ? { HeaderList: values['csv-headers'].split(',') } : {}),
                },
              },
            }
          : {}),
        TableCreationParameters: {
          TableName: values.table,
          AttributeDefinitions: attributes.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
          KeySchema: attributes.map(([AttributeName], i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          BillingMode: 'PAY_PER_REQUEST',
        },
      })
    ).ImportTableDescription as { ImportArn: string };
    for (;;) {
      const d = (await ddb.call('DescribeImport', { ImportArn: started.ImportArn })).ImportTableDescription as Record<string, unknown>;
      const done = Number(d.ProcessedItemCount ?? 0);
      if (d.ImportStatus !== 'IN_PROGRESS') {
        progress.finish(
          `import ${String(d.ImportStatus)}: ${String(d.ImportedItemCount ?? 0)} items imported, ${String(d.ErrorCount ?? 0)} bad records (see the server's log)${d.FailureMessage !== undefined ? ` (${String(d.FailureCode)}: ${String(d.FailureMessage)})` : ''}`,
        );
        process.stdout.write(`${started.ImportArn}\n`);
        return d.ImportStatus === 'COMPLETED' ? 0 : 1;
      }
      progress.update(done, undefined, `${String(d.ErrorCount ?? 0)} errors`);
      await sleep(500);
    }
  } catch (e) {
    progress.finish(`openddb ${command}: ${(e as Error).message}`);
    return 1;
  }
}
