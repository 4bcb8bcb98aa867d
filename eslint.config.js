// Type-checked lint plus the import-boundary rule of docs/architecture.md ("Import boundaries": arrows point down).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const mod = (name) => `./simulator/${name}`;
const all = [
  'shared',
  'events',
  'transport',
  'soap',
  'xca',
  'fhir',
  'mhd',
  'security',
  'audit',
  'faults',
  'data-pack',
  'gateway',
  'broker',
  'pars',
  'control',
  'topology',
  'runtime',
  'roles',
  'containers',
  'scenario',
  'conformance',
  'api',
  'testcontainers',
  'cli',
];
/**
 * docs/architecture.md "Import boundaries": what each module may import. `control/events.ts`
 * stands for the one file of control a module may take (the transaction event contract), not
 * the rest of the control API.
 */
const allowed = {
  shared: [],
  // Types only: the broker's records (TransactionEvent, FaultEvent) and the AuditRecorder.
  events: ['xca', 'shared'],
  transport: [],
  soap: ['shared', 'transport'],
  xca: ['shared', 'soap'],
  // FHIR R4, generic: schema validation, OperationOutcome, searchset Bundle.
  fhir: ['shared'],
  // IHE MHD codecs: DocumentEntry <-> DocumentReference, RegistryError <-> OperationOutcome.
  mhd: ['shared', 'xca', 'fhir'],
  security: ['shared', 'soap'],
  audit: ['shared', 'xca', 'events', 'transport'],
  faults: ['shared', 'xca', 'soap'],
  'data-pack': ['shared', 'xca'],
  gateway: ['shared', 'soap', 'xca', 'fhir', 'mhd', 'security', 'audit', 'faults', 'data-pack', 'events'],
  broker: ['shared', 'soap', 'xca', 'fhir', 'mhd', 'security', 'audit', 'events', 'transport'],
  // The simulated PARS: FHIR AuditEvent store and search, and its own faults (pars-down, pars-slow).
  pars: ['shared', 'xca', 'fhir', 'faults'],
  control: ['shared', 'faults', 'xca', 'events', 'transport'],
  // A description (topology file, scenario topology, flags) -> a Topology over a data pack.
  topology: ['shared', 'broker', 'data-pack', 'faults'],
  // The in-process runtime wires the services of one process: it starts the control API, the
  // fault store, the simulated PARS and the audit pipeline beside the broker and the gateways.
  runtime: [
    'shared',
    'events',
    'security',
    'gateway',
    'broker',
    'audit',
    'faults',
    'control',
    'pars',
    'topology',
    'transport',
    'conformance',
  ],
  roles: [
    'shared',
    'events',
    'gateway',
    'broker',
    'faults',
    'control',
    'pars',
    'runtime',
    'topology',
    'conformance',
  ],
  containers: [
    'shared',
    'security',
    'gateway',
    'broker',
    'faults',
    'control',
    'pars',
    'runtime',
    'topology',
    'transport',
  ],
  scenario: [
    'shared',
    'events',
    'soap',
    'xca',
    'fhir',
    'mhd',
    'faults',
    'data-pack',
    'control',
    'topology',
    'runtime',
    'transport',
  ],
  // The technical conformance kit: NIR's initiating side against a supplier's responding gateway
  // (provider mode), verdicts on a supplier consumer's requests from the broker's records
  // (consumer mode), test data from the data pack, reports and the evidence bundle.
  conformance: [
    'shared',
    'events',
    'transport',
    'soap',
    'xca',
    'fhir',
    'mhd',
    'security',
    'audit',
    'data-pack',
    'control',
  ],
  // The programmatic API (package.json `exports`): a facade over the in-process runtime, the
  // topology description, the fault store and the transaction log, for a supplier's own tests.
  api: ['shared', 'events', 'faults', 'control', 'runtime', 'topology', 'security'],
  // The Testcontainers module (package.json `exports["./testcontainers"]`): one container of the
  // image, driven over HTTP through the control client; the API's types name what it returns.
  testcontainers: ['shared', 'faults', 'control', 'topology', 'api'],
  cli: all,
};
/** Tests and their support files beside the sources (simulator/<module>/*.test.ts, test-support/). */
const testFiles = ['simulator/**/*.test.ts', 'simulator/**/test-support/**/*.ts'];
/** No production file under simulator/ imports test code. */
const testZones = [
  { target: './simulator', from: './test', message: 'production code may not import test/' },
  ...all.map((m) => ({
    target: mod(m),
    from: `${mod(m)}/test-support`,
    message: 'production code may not import test-support/',
  })),
];

const zones = Object.entries(allowed).flatMap(([target, ok]) =>
  all
    .filter((m) => m !== target && !ok.includes(m))
    .map((from) => {
      const files = ok.filter((o) => o.startsWith(`${from}/`)).map((o) => `./${o.slice(from.length + 1)}`);
      return {
        target: mod(target),
        from: mod(from),
        ...(files.length > 0 ? { except: files } : {}),
        message: `docs/architecture.md "Import boundaries": ${target} may not import ${from}${files.length > 0 ? ` (only ${files.map((f) => `${from}/${f.slice(2)}`).join(', ')})` : ''}`,
      };
    }),
);

export default tseslint.config(
  { ignores: ['node_modules', 'data-packs', 'certs/out', '.nir-sim', 'coverage', 'dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            'eslint.config.js',
            'compose/healthcheck.mjs',
            'bin/nir-sim.js',
            'scripts/build.mjs',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { typescript: true, node: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': 'error',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  // Module boundaries (docs/architecture.md) hold for production code; a test beside its module
  // may set up whole topologies (test/helpers), as the tests under test/ do.
  {
    files: ['simulator/**/*.ts'],
    ignores: testFiles,
    rules: { 'import-x/no-restricted-paths': ['error', { zones: [...zones, ...testZones] }] },
  },
  { files: testFiles, rules: { 'import-x/no-restricted-paths': 'off' } },
  // The dashboard's browser files (docs/dashboard.md): plain ES modules served as they are, no tsconfig.
  {
    files: ['dashboard/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: Object.fromEntries(
        [
          'addEventListener',
          'Blob',
          'document',
          'EventSource',
          'fetch',
          'location',
          'navigator',
          'removeEventListener',
          'setTimeout',
          'URL',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
);
