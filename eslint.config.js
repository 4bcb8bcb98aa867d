// Type-checked lint plus the import-boundary rule of docs/architecture.md ("Import boundaries": arrows point down).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const mod = (name) => `./simulator/${name}`;
const all = [
  'shared',
  'transport',
  'soap',
  'xca',
  'security',
  'audit',
  'faults',
  'data-pack',
  'gateway',
  'broker',
  'pars',
  'runtime',
  'scenario',
  'control',
  'cli',
];
/** docs/architecture.md "Import boundaries": what each module may import. */
const allowed = {
  shared: [],
  transport: [],
  soap: ['shared', 'transport'],
  xca: ['shared', 'soap'],
  security: ['shared', 'soap'],
  audit: ['shared', 'xca', 'transport'],
  faults: ['shared', 'xca', 'soap'],
  'data-pack': ['shared', 'xca'],
  gateway: ['shared', 'soap', 'xca', 'security', 'audit', 'faults', 'data-pack', 'control'],
  broker: ['shared', 'soap', 'xca', 'security', 'audit', 'control', 'transport'],
  // The simulated PARS service and the audit wiring (sinks, durable queue) that runs beside the broker.
  pars: ['shared', 'xca', 'audit', 'faults', 'control'],
  runtime: ['shared', 'gateway', 'broker', 'security', 'faults', 'control', 'pars', 'transport'],
  scenario: ['shared', 'xca', 'faults', 'runtime', 'soap'],
  control: ['shared', 'faults', 'xca'],
  cli: all,
};
const zones = Object.entries(allowed).flatMap(([target, ok]) =>
  all
    .filter((m) => m !== target && !ok.includes(m))
    .map((from) => ({
      target: mod(target),
      from: mod(from),
      message: `docs/architecture.md "Import boundaries": ${target} may not import ${from}`,
    })),
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
);
