/**
 * `sim conformance provider | test-data` as a user runs them, against a simulated responding
 * gateway of an in-process topology on free ports: clean, exit 0 with no check failed and the
 * evidence bundle written; with a fault, exit 1 naming the failing check; bad arguments exit 64
 * with a message saying what to fix; `test-data` writes the pack's own rows and bytes. The CLI runs
 * from the TypeScript sources (as sim-cli.ts's `source` entry) in a child spawned asynchronously,
 * since this process serves the child's traffic; its working directory is a temporary one, where
 * the default `reports/conformance/` goes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCsvField, formatPatientsCsv } from '../../simulator/data-pack/csv.js';
import { buildTestData } from '../../simulator/conformance/test-data-build.js';
import { DOCUMENTS_CSV_HEADER } from '../../simulator/conformance/test-data-write.js';
import type { SimRun } from '../helpers/sim-cli.js';
import { consumerChecks } from '../../simulator/conformance/consumer-checks.js';
import { inProcessState } from '../../simulator/cli/state.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { encodeAdhocQueryRequest } from '../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, SoapAction, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { post } from '../helpers/soap-http.js';
import { defaultPackDir, repoDir, startTestTopology, type TestTopology } from '../helpers/topology.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'nir-sim-conformance-'));
const tsx = pathToFileURL(path.join(repoDir, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const main = path.join(repoDir, 'simulator', 'cli', 'main.ts');

/** `sim <args>` from the sources in `tmp`, without blocking this process's event loop. */
function sim(...args: string[]): Promise<SimRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, main, ...args], {
      cwd: tmp,
      env: { ...process.env, NIR_SIM_HOME: tmp, NIR_SIM_LOG_LEVEL: 'error', NIR_SIM_REFERENCE_DIR: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: stderr.trim() }));
  });
}

let topo: TestTopology;
let flags: string[];
beforeAll(async () => {
  topo = await startTestTopology({ simulated: 1 });
  const c = topo.running.communities[0]!;
  flags = [
    '--iti38',
    c.endpoints['ITI-38']!,
    '--iti39',
    c.endpoints['ITI-39']!,
    '--rad75',
    c.endpoints['RAD-75']!,
    '--home',
    c.homeCommunityId,
  ];
});
afterAll(async () => {
  await topo.running.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The `<OUTCOME>  <id>` of each check line of a summary. */
function outcomes(stdout: string): [string, string][] {
  return [...stdout.matchAll(/^(PASS|FAIL|SKIP) {2}([A-Z0-9-]+) /gm)].map((m) => [m[1]!, m[2]!]);
}

describe('sim conformance provider', () => {
  it(
    'passes against a clean simulated community: exit 0, a line per check, the bundle under reports/conformance/',
    { timeout: 180_000 },
    async () => {
      topo.faults.reset();
      const r = await sim('conformance', 'provider', ...flags);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const lines = outcomes(r.stdout);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter(([o]) => o === 'FAIL')).toEqual([]);
      expect(lines).toContainEqual(['PASS', 'ROB-SCHEMA']);
      expect(lines).toContainEqual(['PASS', 'ROB-LATENCY']);
      const reports = path.join(tmp, 'reports', 'conformance');
      const [dir] = readdirSync(reports).filter((d) => !d.endsWith('.zip'));
      expect(dir).toMatch(/^provider-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
      const run = JSON.parse(readFileSync(path.join(reports, dir!, 'run.json'), 'utf8')) as {
        results: { id: string; outcome: string }[];
        seed: number;
      };
      expect(run.seed).toBe(1);
      expect(
        run.results.map((x) => [
          x.outcome === 'passed' ? 'PASS' : x.outcome === 'failed' ? 'FAIL' : 'SKIP',
          x.id,
        ]),
      ).toEqual(lines);
      expect(existsSync(path.join(reports, `${dir!}.zip`))).toBe(true);
      expect(r.stdout).toContain(`evidence: ${path.join(reports, dir!)}`);
    },
  );

  it(
    'exits 1 naming the failing check when the gateway answers with XML that is not well-formed',
    { timeout: 180_000 },
    async () => {
      topo.faults.reset();
      topo.faults.add({
        name: 'bad-xml',
        gateway: topo.pack.communities[0]!.name,
        transaction: 'ITI-38',
        kind: 'malformed-xml',
        variant: 'not-well-formed',
      });
      try {
        const r = await sim(
          'conformance',
          'provider',
          ...flags,
          '--out',
          path.join(tmp, 'bad-xml'),
          '--json',
        );
        expect(r.code, r.stderr).toBe(1);
        const run = JSON.parse(r.stdout) as {
          passed: boolean;
          results: { id: string; outcome: string; message: string }[];
        };
        expect(run.passed).toBe(false);
        expect(run.results.find((x) => x.id === 'ROB-SCHEMA')).toMatchObject({ outcome: 'failed' });
        expect(run.results.find((x) => x.id === 'ROB-SCHEMA')!.message).toContain(
          'is not a SOAP 1.2 message: XML is not well-formed',
        );
      } finally {
        topo.faults.reset();
      }
    },
  );

  it('exits 1 naming the failing check with a missing-home fault', { timeout: 180_000 }, async () => {
    topo.faults.reset();
    topo.faults.add({ name: 'no-home', gateway: topo.pack.communities[0]!.name, kind: 'missing-home' });
    try {
      const r = await sim('conformance', 'provider', ...flags, '--out', path.join(tmp, 'no-home'));
      expect(r.code, r.stderr).toBe(1);
      expect(
        outcomes(r.stdout)
          .filter(([o]) => o === 'FAIL')
          .map(([, id]) => id),
      ).toContain('ITI38-HOME');
    } finally {
      topo.faults.reset();
    }
  });

  it.each([
    [
      ['--iti38', 'not a url'],
      '--iti38 "not a url" is not an http or https URL: give the endpoint, e.g. --iti38 https://gateway.example.nhs.uk/xca/iti38',
    ],
    [
      ['--home', '1.2.3'],
      '--home "1.2.3" is not a homeCommunityId: give urn:oid: followed by the gateway\'s OID, e.g. --home urn:oid:1.2.826.0.1.3680043.2.1',
    ],
    [
      ['--patient', '1234567890'],
      '--patient 1234567890 is not an NHS number: give 10 digits with a valid Modulus 11 check digit, e.g. --patient 9990000018',
    ],
    [['--deadline-ms', '0'], '--deadline-ms 0 must be a whole number from 1 to 600000'],
    [['--seed', 'abc'], '--seed "abc" is not a number (see npm run sim -- --help)'],
    [['--certs', '/nowhere'], '--certs goes with --security: add --security or leave --certs out'],
    [
      ['--rad75', 'http://127.0.0.1:1/a', '--rad75', 'http://127.0.0.1:1/b'],
      '--rad75 was given 2 times (http://127.0.0.1:1/a, http://127.0.0.1:1/b): give it once',
    ],
  ])('refuses %j with exit 64 and says what to fix', { timeout: 60_000 }, async (extra, message) => {
    // A flag given here replaces the clean run's value of it.
    const given = new Set(extra.map((f) => f.split('=')[0]));
    const base = flags.flatMap((f, i) => (i % 2 === 0 && !given.has(f) ? [f, flags[i + 1]!] : []));
    const r = await sim('conformance', 'provider', ...base, ...extra, '--out', path.join(tmp, 'never'));
    expect([r.code, r.stderr]).toEqual([64, `nir-sim: ${message}`]);
    expect(existsSync(path.join(tmp, 'never'))).toBe(false);
  });
});

describe('sim conformance provider --community (rehearsal against the running sim)', () => {
  it(
    'takes the endpoints, homeCommunityId and pack of a community of the running sim, and refuses what cannot be meant',
    { timeout: 180_000 },
    async () => {
      // The running sim's state as `sim up` writes it (this process serves the topology).
      writeFileSync(
        path.join(tmp, 'state.json'),
        JSON.stringify(
          inProcessState(topo.running, { pid: process.pid, startedAt: new Date(0).toISOString(), seed: 1 }),
        ),
      );
      try {
        const c = topo.running.communities[0]!;
        const r = await sim(
          'conformance',
          'provider',
          '--community',
          c.name,
          '--out',
          path.join(tmp, 'rehearsal'),
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.split('\n')[0]).toBe(
          `provider conformance: responding gateway ${c.homeCommunityId} (ITI-38 ${c.endpoints['ITI-38']}, ITI-39 ${c.endpoints['ITI-39']}, RAD-75 ${c.endpoints['RAD-75']})`,
        );
        expect(outcomes(r.stdout).filter(([o]) => o === 'FAIL')).toEqual([]);
        const run = JSON.parse(readFileSync(path.join(tmp, 'rehearsal', 'run.json'), 'utf8')) as {
          topology?: string;
        };
        expect(run.topology).toBe(
          `community ${c.name} of the running sim (in-process runtime, ${topo.running.communities.length} communities: ${topo.running.communities.map((x) => x.name).join(', ')})`,
        );

        const unknown = await sim(
          'conformance',
          'provider',
          '--community',
          'nowhere',
          '--out',
          path.join(tmp, 'never'),
        );
        expect([unknown.code, unknown.stderr]).toEqual([
          64,
          `nir-sim: --community nowhere is not a community of the running sim: use one of ${topo.running.communities.map((x) => x.name).join(', ')}`,
        ]);
        const both = await sim('conformance', 'provider', '--community', c.name, '--home', c.homeCommunityId);
        expect([both.code, both.stderr]).toEqual([
          64,
          'nir-sim: --community takes the endpoints from the running sim: leave out --home',
        ]);
        const neither = await sim('conformance', 'provider', '--home', c.homeCommunityId);
        expect([neither.code, neither.stderr]).toEqual([
          64,
          "nir-sim: --iti38 is missing: give the supplier gateway's --iti38, --iti39 and --home, or --community NAME to rehearse against a community of the running sim",
        ]);
      } finally {
        rmSync(path.join(tmp, 'state.json'), { force: true });
      }
    },
  );
});

describe('sim conformance test-data', () => {
  it(
    'writes the pack subset a supplier loads: patients.csv, documents.csv, documents, DICOM, README',
    { timeout: 120_000 },
    async () => {
      const { pack } = topo;
      const community = pack.communities[0]!;
      const home = 'urn:oid:1.2.826.0.1.999.1';
      const out = path.join(tmp, 'test-data');
      const r = await sim(
        'conformance',
        'test-data',
        '--community',
        community.name,
        '--home',
        home,
        '--out',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      const expected = buildTestData(pack, community.name);
      expect(r.stdout).toMatch(
        new RegExp(
          `^wrote \\d+ files \\(\\d+ bytes\\) to ${out}: ${expected.patients.length} patient\\(s\\) from `,
        ),
      );

      const rows = pack.patients
        .filter((p) => expected.patients.some((t) => t.nhsNumber === p.nhsNumber))
        .map((p) => ({
          ...p,
          homeCommunityIds: [home],
          documentCount: expected.patients.find((t) => t.nhsNumber === p.nhsNumber)!.documents.length,
        }));
      expect(readFileSync(path.join(out, 'patients.csv'), 'utf8')).toBe(formatPatientsCsv(rows));

      const docs = readFileSync(path.join(out, 'documents.csv'), 'utf8')
        .split('\r\n')
        .filter((l) => l !== '');
      expect(docs[0]).toBe(DOCUMENTS_CSV_HEADER.join(','));
      const all = expected.patients.flatMap((p) => p.documents.map((d) => ({ nhs: p.nhsNumber, d })));
      expect(docs.length - 1).toBe(all.length);
      all.forEach(({ nhs, d }, i) => {
        const e = community.entries.find((x) => x.uniqueId === d.uniqueId)!;
        const file = `documents/${path.basename(community.documentPath(d.uniqueId)!)}`;
        expect(docs[i + 1]).toBe(
          [
            nhs,
            e.patientId,
            e.entryUUID,
            e.uniqueId,
            e.repositoryUniqueId,
            home,
            e.availabilityStatus,
            e.mimeType,
            String(e.size),
            e.hash.toLowerCase(),
            e.classCode.code,
            e.classCode.codingScheme,
            e.typeCode.code,
            e.typeCode.codingScheme,
            e.formatCode.code,
            e.formatCode.codingScheme,
            e.creationTime,
            e.title,
            d.accessionNumber ?? '',
            d.studyInstanceUid ?? '',
            file,
          ]
            .map(formatCsvField)
            .join(','),
        );
        expect(
          readFileSync(path.join(out, file)).equals(readFileSync(community.documentPath(d.uniqueId)!)),
        ).toBe(true);
      });
      expect(all.some(({ d }) => d.studyInstanceUid !== undefined)).toBe(true);

      const images = expected.patients.flatMap((p) =>
        p.studies.flatMap((s) => s.series.flatMap((se) => se.instances.map((i) => ({ s, se, i })))),
      );
      expect(images.length).toBeGreaterThan(0);
      for (const { s, se, i } of images) {
        const loc = community.findImage(s.studyInstanceUid, se.seriesInstanceUid, i.sopInstanceUid)!;
        const written = path.join(out, 'dicom', s.studyInstanceUid, `${i.sopInstanceUid}.dcm`);
        expect(readFileSync(written).equals(readFileSync(loc.path))).toBe(true);
      }
      const readme = readFileSync(path.join(out, 'README.txt'), 'utf8');
      expect(readme).toContain(`Load it into your responding gateway under homeCommunityId ${home}:`);
      expect(readme).toContain(
        `The kit also queries ${expected.unknownPatient.nhsNumber}, a patient no gateway holds: do not load it.`,
      );
      expect(readme).toContain(
        `--home ${home} ${expected.patients.map((p) => `--patient ${p.nhsNumber}`).join(' ')} --test-data-community ${community.name}`,
      );
    },
  );

  it(
    'refuses a non-empty --out without --force, and an unknown community, with exit 64',
    { timeout: 60_000 },
    async () => {
      const out = path.join(tmp, 'test-data');
      const again = await sim('conformance', 'test-data', '--out', out);
      expect([again.code, again.stderr]).toEqual([
        64,
        `nir-sim: ${out} is not empty: choose another --out or add --force to overwrite`,
      ]);
      const unknown = await sim(
        'conformance',
        'test-data',
        '--community',
        'atlantis',
        '--out',
        path.join(tmp, 'x'),
      );
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toMatch(/^nir-sim: no community atlantis in the data pack at .*: use one of /);
    },
  );
});

describe('sim conformance consumer', () => {
  let sim2: RunningTopology;
  beforeAll(async () => {
    const pack = await loadDataPack(defaultPackDir);
    const store = pack.communities[0]!;
    sim2 = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: 5_000 },
        maxBodyBytes: 10 * 1024 * 1024,
        dataPackDir: pack.dir,
        communities: [{ kind: 'simulated' as const, store, port: 0 }],
      },
      {
        logger: silentLogger(),
        faults: new FaultStore(1, () => [store.name]),
        control: { port: 0, seed: 1 },
      },
    );
  });
  afterAll(async () => {
    await sim2.stop();
  });

  it(
    'prints the verdicts on what a consumer sent, exit 1 when a check failed',
    { timeout: 120_000 },
    async () => {
      const since = new Date().toISOString();
      const cx = nhsNumberToCx('9995649284');
      const url = sim2.broker.endpoints['ITI-38'];
      const answer = await post(
        url,
        buildSoapEnvelope({
          action: SoapAction.CrossGatewayQuery,
          to: url,
          bodyXml: encodeAdhocQueryRequest({
            returnType: 'LeafClass',
            returnComposedObjects: true,
            queryId: StoredQueryId.FindDocuments,
            slots: [
              { name: '$XDSDocumentEntryPatientId', values: [`'${cx}'`] },
              { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
            ],
          }),
        }),
        undefined,
        { 'x-nir-consumer': 'supplier-pacs' },
      );
      expect(answer.status).toBe(200);
      const out = path.join(tmp, 'consumer');
      const r = await sim(
        'conformance',
        'consumer',
        '--control-url',
        sim2.control!.url,
        '--since',
        since,
        '--consumer',
        'supplier-pacs',
        '--out',
        out,
        '--json',
      );
      const run = JSON.parse(r.stdout) as {
        passed: boolean;
        mode: string;
        target: { brokerUrl: string; consumer: string; since: string };
        results: { id: string; outcome: string }[];
        requests: { transactionId: string; transaction: string }[];
      };
      expect(r.code, r.stderr).toBe(run.passed ? 0 : 1);
      expect(run.mode).toBe('consumer');
      expect(run.target).toEqual({ brokerUrl: sim2.broker.url, consumer: 'supplier-pacs', since });
      expect(run.results.map((x) => x.id)).toEqual(consumerChecks.map((c) => c.definition.id));
      expect(run.requests.map((x) => x.transaction)).toEqual(['ITI-38']);
      expect(existsSync(path.join(out, 'run.json'))).toBe(true);
    },
  );

  it('refuses a --since that is not a time with exit 64', { timeout: 60_000 }, async () => {
    const r = await sim(
      'conformance',
      'consumer',
      '--control-url',
      sim2.control!.url,
      '--since',
      'yesterday',
    );
    expect([r.code, r.stderr]).toEqual([
      64,
      'nir-sim: --since "yesterday" is not a time: give ISO 8601, e.g. --since 2026-01-31T09:00:00Z',
    ]);
  });
});
