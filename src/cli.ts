/**
 * @module cli
 * `openddb serve [--host 127.0.0.1] [--port 8000] [--data ./data | --in-memory] [--ttl-interval-ms 1000] [--http node|fast] [--log-level warn] [--slow-ms 1000]
 *   [--auth FILE] [--allow-anonymous] [--tls-cert FILE --tls-key FILE] [--max-connections N]`
 *
 * The `openddb` bin (dist/openddb.mjs, made by scripts/build.mjs) loads this
 * module bundled, through V8's code cache, and calls runCli.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { startServer } from './server/start-server.js';
import { LOG_LEVELS, type LogLevel } from './server/request-observer.js';

// For scripts/build.mjs, which starts servers from the bundle to fill its code cache.
export { startServer };

const USAGE = `usage: openddb serve [--host 127.0.0.1] [--port 8000] [--data ./data | --in-memory] [--region us-east-1] [--ttl-interval-ms 1000] [--http node|fast] [--log-level error|warn|info|debug] [--slow-ms 1000] [--auth FILE] [--allow-anonymous] [--tls-cert FILE --tls-key FILE] [--max-connections N]`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`openddb: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8000' },
        data: { type: 'string' },
        'in-memory': { type: 'boolean', default: false },
        region: { type: 'string' },
        'ttl-interval-ms': { type: 'string' },
        http: { type: 'string', default: 'fast' },
        'log-level': { type: 'string', default: 'warn' },
        'slow-ms': { type: 'string' },
        auth: { type: 'string' },
        'allow-anonymous': { type: 'boolean', default: false },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'max-connections': { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`openddb: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`openddb: --port must be a number from 0 to 65535, not '${values.port}'\n`);
    return 2;
  }
  const ttlIntervalMs = values['ttl-interval-ms'] === undefined ? undefined : Number(values['ttl-interval-ms']);
  if (ttlIntervalMs !== undefined && (!Number.isInteger(ttlIntervalMs) || ttlIntervalMs < 1)) {
    process.stderr.write(`openddb: --ttl-interval-ms must be a whole number of milliseconds, at least 1, not '${values['ttl-interval-ms']}'\n`);
    return 2;
  }
  if (values.http !== 'node' && values.http !== 'fast') {
    process.stderr.write(`openddb: --http must be 'node' or 'fast', not '${values.http}'\n`);
    return 2;
  }
  const httpFrontEnd: 'node' | 'fast' = values.http;
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    process.stderr.write(`openddb: --log-level must be one of ${LOG_LEVELS.join(', ')}, not '${values['log-level']}'\n`);
    return 2;
  }
  const slowMs = values['slow-ms'] === undefined ? undefined : Number(values['slow-ms']);
  if (slowMs !== undefined && (!Number.isFinite(slowMs) || slowMs < 0 || values['slow-ms']!.trim() === '')) {
    process.stderr.write(`openddb: --slow-ms must be a number of milliseconds, at least 0, not '${values['slow-ms']}'\n`);
    return 2;
  }
  if (values['in-memory'] && values.data !== undefined) {
    process.stderr.write('openddb: choose either --data or --in-memory, not both\n');
    return 2;
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    process.stderr.write('openddb: --tls-cert and --tls-key go together\n');
    return 2;
  }
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (values['tls-cert'] !== undefined && values['tls-key'] !== undefined) {
    try {
      tls = { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) };
    } catch (e) {
      process.stderr.write(`openddb: cannot read the TLS certificate or key: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const maxConnections = values['max-connections'] === undefined ? undefined : Number(values['max-connections']);
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) {
    process.stderr.write(`openddb: --max-connections must be a whole number, at least 1, not '${values['max-connections']}'\n`);
    return 2;
  }
  let server;
  try {
    server = await startServer({
      host: values.host,
      port,
      inMemory: values['in-memory'],
      dataDir: values.data ?? './data',
      ...(values.region !== undefined ? { region: values.region } : {}),
      ...(ttlIntervalMs !== undefined ? { ttlIntervalMs } : {}),
      http: httpFrontEnd,
      logLevel,
      ...(slowMs !== undefined ? { slowMs } : {}),
      ...(values.auth !== undefined ? { authFile: values.auth } : {}),
      allowAnonymousNetwork: values['allow-anonymous'],
      ...(tls !== undefined ? { tls } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      process.stderr.write(`openddb: port ${port} on ${values.host} is already in use; stop the other server or choose --port\n`);
    } else if (err.code === 'EACCES' && err.syscall === 'listen') {
      process.stderr.write(`openddb: no permission to listen on ${values.host}:${port}\n`);
    } else {
      process.stderr.write(`openddb: ${err.message}\n`);
    }
    return 1;
  }
  const store = values['in-memory'] ? 'in-memory store (nothing is kept on exit)' : `data in ${values.data ?? './data'}`;
  process.stdout.write(`openddb listening on ${server.url} (${store})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`openddb: ${signal} received, shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await server.close();
  return 0;
}

/** Runs the CLI with `argv` (process.argv without node and the script) and sets the exit code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`openddb: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
