/**
 * @module storage/contract-child
 * Child process of the storage contract's cross-process tests (contract.ts):
 * opens a second handle on the test's data from a spec (JSON), runs one
 * workload of contract-workloads.ts against it, prints its result as one
 * JSON line, and exits.
 *
 * Usage: node contract-child.js <spec JSON> <workload> <args JSON>
 * A spec names an engine and what opening it needs; each engine that can
 * share its data across processes has a case in openFromSpec.
 */
import type { StorageEngine } from './engine.js';
import { createRace, increments, keyedIncrements, numberedBursts, sequenceWriter } from './contract-workloads.js';

export type ChildEngineSpec =
  | { readonly engine: 'lmdb'; readonly path: string; readonly maxStoredKeyBytes?: number }
  | { readonly engine: 'postgres'; readonly connectionString: string; readonly schema: string; readonly maxStoredKeyBytes?: number };

async function openFromSpec(spec: ChildEngineSpec): Promise<StorageEngine> {
  switch (spec.engine) {
    case 'lmdb': {
      const { LmdbEngine } = await import('./lmdb-engine.js');
      return LmdbEngine.open({
        path: spec.path,
        ...(spec.maxStoredKeyBytes === undefined ? {} : { maxStoredKeyBytes: spec.maxStoredKeyBytes }),
      });
    }
    case 'postgres': {
      const { PostgresEngine } = await import('./postgres-engine.js');
      return PostgresEngine.open({
        connectionString: spec.connectionString,
        schema: spec.schema,
        poolSize: 8,
        ...(spec.maxStoredKeyBytes === undefined ? {} : { maxStoredKeyBytes: spec.maxStoredKeyBytes }),
      });
    }
  }
}

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

async function main(): Promise<void> {
  const [specText, workload, argsText] = process.argv.slice(2);
  if (specText === undefined || workload === undefined) {
    throw new Error('usage: contract-child.js <spec JSON> <workload> <args JSON>');
  }
  const args = JSON.parse(argsText ?? '{}') as Record<string, string | number>;
  const engine = await openFromSpec(JSON.parse(specText) as ChildEngineSpec);
  let result: unknown;
  try {
    switch (workload) {
      case 'put':
        await engine.commit([{ key: bytes(String(args.key)), value: bytes(String(args.value)) }]);
        result = 'ok';
        break;
      case 'increments':
        result = await increments(engine, bytes(String(args.key)), Number(args.loops), Number(args.perLoop));
        break;
      case 'keyedIncrements':
        result = await keyedIncrements(engine, bytes(String(args.key)), Number(args.loops), Number(args.perLoop));
        break;
      case 'createRace':
        result = await createRace(engine, bytes(String(args.key)), Number(args.contenders), String(args.tag));
        break;
      case 'sequence':
        await sequenceWriter(engine, bytes(String(args.prefix)), Number(args.commits), Number(args.loops), String(args.tag));
        result = 'ok';
        break;
      case 'numberedBursts':
        result = await numberedBursts(engine, bytes(String(args.prefix)), Number(args.bursts), Number(args.perBurst), String(args.tag), Number(args.startAt));
        break;
      default:
        throw new Error(`unknown workload ${workload}`);
    }
  } finally {
    await engine.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`contract-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
