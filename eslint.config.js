// Type-aware lint: a database with background work (group commit, backfills,
// TTL, streams) cannot afford a lost promise rejection.
import tseslint from 'typescript-eslint';

// Imports point downward only (docs/architecture.md, "Layers"). Each folder of
// src/ lists the folders it may import; anything else above or beside it is
// refused. A lower layer that must reach up does so through an interface
// wired at start-up (data/hooks). Tests beside the code may import upward
// (they assemble a whole server), so *.test.ts files are exempt.
const MAY_IMPORT = {
  errors: [],
  // A pure registry of counters; every layer that counts usage may import it.
  metrics: [],
  // The web console's files and their HTTP answers; the page itself talks to the server through DynamoDB's API.
  console: [],
  values: ['errors'],
  storage: ['values', 'errors'],
  catalog: ['storage', 'values', 'errors'],
  indexes: ['catalog', 'storage', 'values', 'errors'],
  expr: ['values', 'errors'],
  validate: ['values', 'errors'],
  auth: ['catalog', 'errors'],
  data: ['metrics', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  txn: ['metrics', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  partiql: ['metrics', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  streams: ['metrics', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  ttl: ['metrics', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  transfer: ['metrics', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  // Command-line tools are DynamoDB API clients: SigV4 signing from auth, value types.
  tools: ['auth', 'values', 'errors'],
  // Backups and point-in-time recovery (issue 14): a feature like streams.
  backup: ['metrics', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  // Throttling, lag, conflicts and faults on request (docs/pressure.md): wraps operations, below api.
  pressure: ['metrics', 'txn', 'streams', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
  api: ['metrics', 'auth', 'txn', 'partiql', 'streams', 'ttl', 'backup', 'transfer', 'pressure', 'data', 'validate', 'expr', 'indexes', 'catalog', 'storage', 'values', 'errors'],
};
const ALL_FOLDERS = [...Object.keys(MAY_IMPORT), 'server'];
const layerRules = Object.entries(MAY_IMPORT).map(([folder, allowed]) => {
  const refused = ALL_FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
  return {
    files: [`src/${folder}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Relative paths only: every import between src folders is one.
              regex: `^(\\.\\./)+(${refused.join('|')})/`,
              message: `src/${folder} may import only ${allowed.join(', ') || 'nothing in src'} (docs/architecture.md, "Layers").`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'data/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  ...layerRules,
);
