/**
 * The package a supplier installs (docs/api.md "Installing"): `npm pack` holds what the API
 * (package.json `exports`, with its .d.ts) and the `nir-sim` bin need at run time and no test
 * files or TypeScript sources; installed into a fresh project, a 10-line ESM script imports
 * `nir-sim`, starts 2 communities, sees a `timeout` fault turn an ITI-38 into a PartialSuccess,
 * and stops. The install needs the npm registry (or a cache holding every dependency); without
 * one that part is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir } from '../helpers/topology.js';

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** The consumer script: nothing but the package's public entry and fetch. */
const SCRIPT = `import { startNirSim } from 'nir-sim';
const sim = await startNirSim({ communities: 2, deadlineMs: 4000 });
const url = sim.urls.broker.endpoints['ITI-38'], [a] = sim.urls.communities;
sim.faults.add({ name: 'hang', gateway: a.name, kind: 'timeout' });
const body = \`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</a:Action><a:MessageID>urn:uuid:\${crypto.randomUUID()}</a:MessageID><a:To s:mustUnderstand="1">\${url}</a:To></s:Header><s:Body><q:AdhocQueryRequest xmlns:q="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:r="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><q:ResponseOption returnType="LeafClass" returnComposedObjects="true"/><r:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"><r:Slot name="$XDSDocumentEntryPatientId"><r:ValueList><r:Value>'9995649284^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO'</r:Value></r:ValueList></r:Slot><r:Slot name="$XDSDocumentEntryStatus"><r:ValueList><r:Value>('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')</r:Value></r:ValueList></r:Slot></r:AdhocQuery></q:AdhocQueryRequest></s:Body></s:Envelope>\`;
const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/soap+xml' }, body });
const xml = await res.text();
await sim.stop();
console.log(JSON.stringify({ http: res.status, status: /AdhocQueryResponse[^>]*status="([^"]+)"/.exec(xml)?.[1], errors: [...xml.matchAll(/RegistryError [^>]*/g)].map((m) => m[0]), a }));
`;

/** A supplier's TypeScript over the package's declarations: typed options, URLs and faults. */
const TYPED = `import { startNirSim, virtualClock, type FaultSpecInput, type NirSim } from 'nir-sim';
const fault: FaultSpecInput = { name: 'x', gateway: 'north-east-imaging-network', kind: 'timeout' };
const sim: NirSim = await startNirSim({ communities: 2, faults: [fault], clock: virtualClock() });
const url: string = sim.urls.broker.endpoints['ITI-38'];
// @ts-expect-error: not a kind of the fault catalogue
sim.faults.add({ name: 'y', gateway: 'g', kind: 'no-such-kind' });
const codes: (string | undefined)[] = (await sim.auditEvents()).map((e) => e.type.code);
console.log(url, codes);
await sim.stop();
`;

/** Run `cmd` synchronously in `cwd`; stdout, stderr and status. */
function run(cmd: string, args: string[], cwd: string, timeout = 240_000) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

describe('npm pack: the package a supplier installs', () => {
  let dir: string;
  let pack: PackResult;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nir-sim-pack-'));
    // dist/ is current (the slow tier's globalSetup builds it): no `prepare` rebuild here.
    const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], repoDir);
    expect(r.status, r.stderr).toBe(0);
    pack = (JSON.parse(r.stdout) as PackResult[])[0]!;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the API with its types, the bin and its run-time files, and no tests or sources', () => {
    const files = pack.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'bin/nir-sim.js',
      'scripts/build.mjs',
      'dist/simulator/api/index.js',
      'dist/simulator/api/index.d.ts',
      'dist/simulator/api/nir-sim.d.ts',
      'dist/simulator/cli/main.js',
      'dist/simulator/fhir/fhir-r4-validators.cjs',
      'data-packs/default/pack.json',
      'scenarios/scenario.schema.json',
      'certs/README.md',
      'dashboard/index.html',
      'docs/api.md',
      // nir-sim/testcontainers (exports["./testcontainers"]), loaded only by who imports it
      'dist/simulator/testcontainers/index.js',
      'dist/simulator/testcontainers/index.d.ts',
      'docs/testcontainers.md',
    ])
      expect(files, needed).toContain(needed);
    expect(files.filter((f) => /\.test\.|(^|\/)(test|test-support|bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^dist\/\.|\.tsbuildinfo$|^certs\/out\/|^\.nir-sim\//.test(f))).toEqual([]);
  });

  it(
    'installed into a new project, a 10-line ESM script starts 2 communities and sees a timeout fault as PartialSuccess',
    { timeout: 500_000 },
    (ctx) => {
      // Generous timeout: the install, the script, tsc and the bin are each bounded by their spawn's.
      const project = path.join(dir, 'supplier');
      mkdirSync(project);
      writeFileSync(
        path.join(project, 'package.json'),
        '{ "name": "supplier-tests", "private": true, "type": "module" }\n',
      );
      writeFileSync(path.join(project, 'try.mjs'), SCRIPT);
      const install = run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--omit=optional',
          '--prefer-offline',
          path.join(dir, pack.filename),
        ],
        project,
      );
      if (install.status !== 0)
        ctx.skip(
          `npm install of the tarball failed (no registry or cache here?): ${(install.stderr || String(install.error)).slice(-400)}`,
        );
      const r = run(process.execPath, ['try.mjs'], project, 60_000);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        http: number;
        status: string;
        errors: string[];
        a: { homeCommunityId: string; name: string };
      };
      expect(out.http).toBe(200);
      expect(out.status).toBe('urn:ihe:iti:2007:ResponseStatusType:PartialSuccess');
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0]).toContain('errorCode="XDSUnavailableCommunity"');
      expect(out.errors[0]).toContain(
        `codeContext="community ${out.a.homeCommunityId} (${out.a.name}) did not answer within 4000 ms"`,
      );
      expect(out.errors[0]).toContain(`location="${out.a.homeCommunityId}"`);
      // The types resolve through `exports` (the `types` condition) in a strict NodeNext project; the
      // AuditEvent type comes from @types/fhir and the runtime's deeper types from @types/express,
      // both dependencies of the package so that a strict project without skipLibCheck compiles
      // (fhir is mapped here to this clone's copy).
      writeFileSync(path.join(project, 'typed.ts'), TYPED);
      writeFileSync(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            typeRoots: [path.join(repoDir, 'node_modules', '@types')],
            types: ['node'],
            paths: { 'fhir/r4.js': [path.join(repoDir, 'node_modules', '@types', 'fhir', 'r4.d.ts')] },
          },
          files: ['typed.ts'],
        }),
      );
      const tsc = run(
        process.execPath,
        [path.join(repoDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
        project,
        120_000,
      );
      expect({ status: tsc.status, out: tsc.stdout }).toEqual({ status: 0, out: '' });
      // The bin runs from the install too (dist/ prebuilt, no sources to rebuild from).
      const help = run(path.join(project, 'node_modules', '.bin', 'nir-sim'), ['--help'], project, 60_000);
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/ up +start the broker/);
    },
  );
});
