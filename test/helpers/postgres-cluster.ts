/**
 * @module test/helpers/postgres-cluster
 * A throw-away PostgreSQL cluster for tests: initdb in a temporary
 * directory, a server on a free loopback port with its socket in that
 * directory, and a stop that removes it all. PostgreSQL refuses to run as
 * root, so as root the cluster runs as the unprivileged `nobody`.
 *
 * OPENDDB_TEST_POSTGRES=postgres://… uses an existing database instead.
 * When no PostgreSQL server binaries can be found the cluster cannot start:
 * tests then skip with the reason, except under CI (CI=true), where that is
 * a failure — CI installs PostgreSQL (.ci/run).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  /** Connection string of the cluster's `postgres` database, as the superuser. */
  readonly url: string;
  /** A connection string for a new, empty database on the cluster. */
  createDatabase(name: string): string;
  /** Stops the server at once (as a crash would: no checkpoint) and starts it again on the same port. */
  restart(): void;
  /** restart() without blocking this process: requests keep flowing while the server is down. */
  restartInBackground(): Promise<void>;
  stop(): void;
  /** The server's main process (postmaster; its children are the backends), for CPU accounting; undefined when external. */
  postmasterPid(): number | undefined;
}

/** Where initdb and pg_ctl are: $PATH, else Debian's versioned directories, newest first. */
function findBinDir(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath !== '') return join(onPath, '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** Why a cluster cannot start here, or undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.OPENDDB_TEST_POSTGRES !== undefined) return undefined;
  const bin = findBinDir();
  if (bin === undefined || !existsSync(join(bin, 'initdb'))) {
    return 'no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or in /usr/lib/postgresql/*/bin';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const external = process.env.OPENDDB_TEST_POSTGRES;
  if (external !== undefined) {
    return {
      url: external,
      createDatabase: (name) => {
        psql(external, `CREATE DATABASE ${name}`);
        const url = new URL(external);
        url.pathname = `/${name}`;
        return url.toString();
      },
      restart: () => {
        throw new Error('cannot restart an external PostgreSQL (OPENDDB_TEST_POSTGRES)');
      },
      restartInBackground: () => Promise.reject(new Error('cannot restart an external PostgreSQL (OPENDDB_TEST_POSTGRES)')),
      stop: () => {},
      postmasterPid: () => undefined,
    };
  }
  const why = postgresUnavailable();
  if (why !== undefined) throw new Error(why);
  const bin = findBinDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'openddb-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    const full = join(bin, cmd);
    if (asRoot) execFileSync('runuser', ['-u', 'nobody', '--', full, ...args], { stdio: 'pipe', cwd: dir });
    else execFileSync(full, args, { stdio: 'pipe', cwd: dir });
  };
  if (asRoot) chownSync(dir, 65534, 65534);
  const data = join(dir, 'data');
  const port = await freePort();
  const runInBackground = async (cmd: string, args: string[]): Promise<void> => {
    const full = join(bin, cmd);
    if (asRoot) await promisify(execFile)('runuser', ['-u', 'nobody', '--', full, ...args], { cwd: dir });
    else await promisify(execFile)(full, args, { cwd: dir });
  };
  const startArgs = (): string[] => [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c fsync=on -c synchronous_commit=on`,
    'start',
  ];
  const start = (): void => run('pg_ctl', startArgs());
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL cluster: ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`);
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    createDatabase: (name) => {
      psql(url, `CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    restart: () => {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      start();
    },
    postmasterPid: () => {
      try {
        return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
      } catch {
        return undefined;
      }
    },
    restartInBackground: async () => {
      await runInBackground('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      await runInBackground('pg_ctl', startArgs());
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function psql(url: string, sql: string): void {
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
}
