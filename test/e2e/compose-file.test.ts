/**
 * The committed compose/docker-compose.yml: it is exactly what `npm run sim compose render`
 * writes today (so CI fails when it is stale), it describes the 3-community default stack, and
 * Debian's docker-compose accepts it. Then `sim compose render` as a user runs it: `--check`,
 * `--out -`, a host pack, and the notes for what a compose file cannot carry.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../helpers/system-tools.js';
import { check, resolveConfig } from 'prettier';
import { parse } from 'yaml';
import { renderComposeFromOptions } from '../../simulator/cli/commands/compose.js';
import { COMPOSE_FILE } from '../../simulator/containers/compose-file.js';
import { COMPOSE_USER } from '../../simulator/containers/compose-render.js';
import { ensureCertificateSet } from '../../simulator/security/cert-mint.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { runSim, type SimRun } from '../helpers/sim-cli.js';
import { defaultPackDir, repoDir } from '../helpers/topology.js';

/** docker-compose (Debian's 1.29) checks rendered files; see test/helpers/system-tools.ts. */
const skipNoCompose = skipWithoutTool('docker-compose');
const committedFile = path.join(repoDir, COMPOSE_FILE);
const committed = readFileSync(committedFile, 'utf8');
const work = mkdtempSync(path.join(tmpdir(), 'nir-sim-compose-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `sim` as the CLI runs it (tsx, the package's `sim` script without npm's own output). */
function sim(...args: string[]): SimRun {
  return runSim(args, {
    entry: 'source',
    env: { ...process.env, NIR_SIM_HOME: work, NIR_SIM_LOG_LEVEL: 'warn' },
  });
}

const OID = 'urn:oid:2.25.143717819127266221728204988935439350416.1';
const NAMES = ['north-east-imaging-network', 'north-west-imaging-network', 'yorkshire-imaging-network'];

describe('compose/docker-compose.yml', () => {
  it('is exactly a fresh render (regenerate it with npm run sim compose render)', async () => {
    const fresh = await renderComposeFromOptions({ portBase: 8080 });
    expect(fresh.notes).toEqual([]);
    expect(committed).toBe(fresh.text);
  });

  it('runs the broker, PARS and the 3 communities of the default pack, each healthy before the broker starts', () => {
    const doc = parse(committed, { version: '1.1' }) as Record<string, unknown>;
    const healthcheck = {
      test: ['CMD', 'node', 'compose/healthcheck.mjs'],
      interval: '10s',
      timeout: '2s',
      retries: 3,
      start_period: '30s',
    };
    const common = {
      image: 'nir-sim:local',
      build: { context: '..', dockerfile: 'compose/Dockerfile' },
      healthcheck,
      networks: ['nir-sim'],
      restart: 'no',
      stop_grace_period: '10s',
    };
    // NODE_OPTIONS: the role's Node flags (containers/container-plan.ts ContainerNodeOptions);
    // MALLOC_*: glibc malloc tunables of every container (ContainerMallocEnv).
    const health = (port: number) => ({
      NIR_SIM_HEALTH_URL: `http://127.0.0.1:${port}/health`,
      NODE_OPTIONS: `--max-semi-space-size=${port === 8080 ? 8 : 2} --max-old-space-size=${port === 8080 ? 160 : port === 8100 ? 128 : 256}`,
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    });
    const gateways = Object.fromEntries(
      NAMES.map((name, i) => [
        name,
        {
          ...common,
          command: [
            'serve',
            'gateway',
            '--data-pack',
            '/app/data-packs/default',
            '--community',
            name,
            '--seed',
            '1',
          ],
          environment: health(9001),
          ports: [`127.0.0.1:${9001 + i}:9001`],
        },
      ]),
    );
    expect(doc).toEqual({
      services: {
        ...gateways,
        pars: {
          ...common,
          command: ['serve', 'pars', '--dir', '/var/lib/nir-sim/pars'],
          environment: health(8100),
          ports: ['127.0.0.1:8100:8100'],
          volumes: ['pars:/var/lib/nir-sim/pars'],
        },
        broker: {
          ...common,
          command: [
            ...[
              'serve',
              'broker',
              '--deadline-ms',
              '10000',
              '--seed',
              '1',
              '--public-url',
              'http://127.0.0.1:8080',
            ],
            ...['--pars-url', 'http://pars:8100', '--pars-control-url', 'http://pars:8110'],
            ...['--audit-dir', '/var/lib/nir-sim/audit'],
            ...NAMES.flatMap((name, i) => [
              '--community',
              `name=${name},homeCommunityId=${OID}.${i + 1},url=http://${name}:9001,control=http://${name}:9090`,
            ]),
          ],
          environment: health(8080),
          ports: ['127.0.0.1:8080:8080', '127.0.0.1:8090:8090'],
          volumes: ['audit:/var/lib/nir-sim/audit'],
          depends_on: Object.fromEntries(
            [...NAMES, 'pars'].map((s) => [s, { condition: 'service_healthy' }]),
          ),
        },
      },
      networks: { 'nir-sim': { name: 'nir-sim' } },
      volumes: { audit: {}, pars: {} },
    });
  });

  it("is formatted as npm run lint's prettier --check wants it", async () => {
    const options = await resolveConfig(committedFile);
    expect(await check(committed, { ...options, filepath: committedFile })).toBe(true);
  });

  it.skipIf(skipNoCompose)(
    "is accepted by Debian's docker-compose config -q (skipped when docker-compose is absent)",
    () => {
      const r = spawnSync('docker-compose', ['-f', committedFile, 'config', '-q'], { encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );
});

describe('sim compose render', { timeout: 120_000 }, () => {
  it('--check passes on the committed file and fails in one line naming the command when it differs', () => {
    const ok = sim('compose', 'render', '--check');
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, `${COMPOSE_FILE} is up to date\n`, '']);
    const stale = path.join(work, 'stale.yml');
    writeFileSync(stale, committed.replace('retries: 3', 'retries: 15'));
    const bad = sim('compose', 'render', '--check', '--out', stale);
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([
      64,
      '',
      `nir-sim: ${path.relative(repoDir, stale)} is out of date: regenerate it with npm run sim compose render -- --out ${stale}`,
    ]);
  });

  it('bind-mounts a host pack, relative to the file written, and prints to stdout with absolute paths', () => {
    const pack = path.join(work, 'packs', 'copy');
    cpSync(defaultPackDir, pack, { recursive: true });
    const out = path.join(work, 'stack', 'docker-compose.yml');
    const wrote = sim('compose', 'render', '--data-pack', pack, '--gateways', '2', '--out', out);
    expect(wrote.code, wrote.stderr).toBe(0);
    const file = parse(readFileSync(out, 'utf8'), { version: '1.1' }) as {
      services: Record<string, { command: string[]; volumes?: string[]; build: { context: string } }>;
    };
    expect(Object.keys(file.services)).toEqual([...NAMES.slice(0, 2), 'pars', 'broker']);
    expect(file.services[NAMES[0]!]!.volumes).toEqual(['../packs/copy:/var/lib/nir-sim-pack:ro']);
    expect(file.services[NAMES[0]!]!.command.slice(2, 4)).toEqual(['--data-pack', '/var/lib/nir-sim-pack']);
    expect(file.services['broker']!.build.context).toBe(path.relative(path.dirname(out), repoDir));

    const printed = sim('compose', 'render', '--data-pack', pack, '--gateways', '2', '--out', '-');
    expect(printed.code, printed.stderr).toBe(0);
    const doc = parse(printed.stdout, { version: '1.1' }) as typeof file;
    expect(doc.services[NAMES[1]!]!.volumes).toEqual([`${pack}:/var/lib/nir-sim-pack:ro`]);
    expect(doc.services['pars']!.build.context).toBe(repoDir);
  });

  it('renders a topology with faults (a note on stderr: added at runtime) and consumer profiles (passed to the broker)', async () => {
    const topology = path.join(work, 'topology.yaml');
    writeFileSync(
      topology,
      [
        'schemaVersion: 1',
        'gateways: 2',
        'broker:',
        '  consumers:',
        '    north-pacs: { exclude: [north-west-imaging-network] }',
        'faults:',
        '  - { name: slow, gateway: north-east-imaging-network, kind: latency, latencyMs: 200 }',
        '  - { name: down, gateway: north-west-imaging-network, kind: refuse }',
      ].join('\n'),
    );
    const r = sim('compose', 'render', '--topology', topology, '--out', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      "nir-sim: note: the topology's 2 faults are not in the compose file: add them at runtime with npm run sim fault add -- --control-url http://127.0.0.1:8090",
    ]);
    const broker = (parse(r.stdout) as { services: Record<string, { command: string[] }> }).services[
      'broker'
    ]!;
    const at = broker.command.indexOf('--consumers');
    const northWest = (await loadDataPack(defaultPackDir)).communities[1]!.homeCommunityId;
    expect(JSON.parse(broker.command[at + 1]!)).toEqual({ 'north-pacs': { exclude: [northWest] } });
    expect(Object.keys((parse(r.stdout) as { services: object }).services)).toEqual([
      ...NAMES.slice(0, 2),
      'pars',
      'broker',
    ]);
  });

  it('--security mounts --certs-dir, says when no set is there yet, and refuses --certs-dir alone', async () => {
    const certs = path.join(work, 'certs-for-compose');
    const render = () => sim('compose', 'render', '--security', '--certs-dir', certs, '--out', '-');
    const before = render();
    expect([before.code, before.stderr]).toEqual([
      0,
      `nir-sim: note: there is no certificate set in ${certs} yet: mint it with npm run sim certs generate before docker compose up`,
    ]);
    const doc = parse(before.stdout, { version: '1.1' }) as {
      services: Record<string, { user?: string; volumes?: string[] }>;
    };
    expect(Object.entries(doc.services).map(([k, v]) => [k, v.user, v.volumes?.at(-1)])).toEqual([
      ...NAMES.map((n) => [n, COMPOSE_USER, `${certs}:/var/lib/nir-sim/certs:ro`]),
      ['pars', undefined, 'pars:/var/lib/nir-sim/pars'],
      ['broker', COMPOSE_USER, `${certs}:/var/lib/nir-sim/certs:ro`],
    ]);
    expect(before.stdout).toContain(
      `# Regenerate:  npm run sim compose render -- --security --certs-dir ${certs} --out -\n`,
    );
    await ensureCertificateSet(certs, { communities: NAMES });
    const after = render();
    expect([after.code, after.stderr, after.stdout]).toEqual([0, '', before.stdout]);

    const alone = sim('compose', 'render', '--certs-dir', certs, '--out', '-');
    expect([alone.code, alone.stdout, alone.stderr]).toEqual([
      64,
      '',
      'nir-sim: --certs-dir names the certificates to mount with --security: add --security, or drop --certs-dir',
    ]);
  });

  it('refuses a port base that puts a host port out of range, in one line', () => {
    const r = sim('compose', 'render', '--port-base', '65000', '--out', '-');
    expect([r.code, r.stdout, r.stderr]).toEqual([
      64,
      '',
      'nir-sim: --port-base 65000 puts host ports outside 1..65535 (broker 65000 to 65923): pick a port base from 1024 to 64612',
    ]);
  });
});
