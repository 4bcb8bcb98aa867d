/**
 * The compose renderer (simulator/containers/compose-render.ts): a container plan as a
 * docker-compose file that Docker Compose v2 and Debian's docker-compose 1.29 (PyYAML, YAML 1.1)
 * both read the same way; relative paths when the file's directory is known; same bytes for the
 * same plan.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/helpers/system-tools.js';
import { parse } from 'yaml';
import { COMPOSE_USER, renderCompose } from './compose-render.js';
import { planContainers, type ContainerPlanInput } from './container-plan.js';

/** docker-compose (Debian's 1.29) checks rendered files; see test/helpers/system-tools.ts. */
const skipNoCompose = skipWithoutTool('docker-compose');
const work = mkdtempSync(path.join(tmpdir(), 'nir-sim-compose-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const repoRoot = path.join(work, 'repo');
const packDir = path.join(work, 'repo', '.nir-sim', 'data-packs', 'seed-7-communities-2');

const input: ContainerPlanInput = {
  communities: [
    { name: 'north', homeCommunityId: 'urn:oid:1.2.3.1' },
    { name: 'south', homeCommunityId: 'urn:oid:1.2.3.2' },
  ],
  external: [
    {
      kind: 'external',
      name: 'supplier-gw',
      homeCommunityId: 'urn:oid:1.2.9',
      iti38Url: 'http://host.containers.internal:7001/xca/iti38',
      iti39Url: 'http://host.containers.internal:7001/xca/iti39',
    },
  ],
  dataPack: { hostDir: packDir },
  deadlineMs: 1500,
  seed: 4,
  portBase: 18080,
};
const plan = planContainers(input);
const regenerate = 'npm run sim compose render -- --seed 7 --gateways 2 --out out/stack.yml';

/** What a YAML 1.1 reader (PyYAML in docker-compose 1.29) makes of the text. */
const read11 = (text: string) => parse(text, { version: '1.1' }) as Record<string, unknown>;

describe('renderCompose', () => {
  const composeDir = path.join(repoRoot, 'out');
  const text = renderCompose(plan, { regenerate, repoRoot, composeDir, file: 'out/stack.yml' });

  it('writes paths relative to the compose file, every scalar a string where compose wants one', () => {
    const doc = read11(text);
    expect(Object.keys(doc)).toEqual(['services', 'networks', 'volumes']);
    expect(doc['networks']).toEqual({ 'nir-sim': { name: 'nir-sim' } });
    expect(doc['volumes']).toEqual({ audit: {}, pars: {} });
    const services = doc['services'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(services)).toEqual(['north', 'south', 'pars', 'broker']);
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
      networks: ['nir-sim'],
      restart: 'no',
      stop_grace_period: '10s',
    };
    expect(services['south']).toEqual({
      ...common,
      command: [
        'serve',
        'gateway',
        '--data-pack',
        '/var/lib/nir-sim-pack',
        '--community',
        'south',
        '--seed',
        '4',
      ],
      environment: {
        NIR_SIM_HEALTH_URL: 'http://127.0.0.1:9001/health',
        NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=256',
        MALLOC_ARENA_MAX: '2',
        MALLOC_MMAP_THRESHOLD_: '131072',
      },
      ports: ['127.0.0.1:19002:9001'],
      volumes: ['../.nir-sim/data-packs/seed-7-communities-2:/var/lib/nir-sim-pack:ro'],
      healthcheck,
    });
    expect(services['broker']).toEqual({
      ...common,
      command: [
        ...[
          'serve',
          'broker',
          '--deadline-ms',
          '1500',
          '--seed',
          '4',
          '--public-url',
          'http://127.0.0.1:18080',
        ],
        ...['--pars-url', 'http://pars:8100', '--pars-control-url', 'http://pars:8110'],
        ...['--audit-dir', '/var/lib/nir-sim/audit'],
        '--community',
        'name=north,homeCommunityId=urn:oid:1.2.3.1,url=http://north:9001,control=http://north:9090',
        '--community',
        'name=south,homeCommunityId=urn:oid:1.2.3.2,url=http://south:9001,control=http://south:9090',
        '--external',
        'name=supplier-gw,homeCommunityId=urn:oid:1.2.9,iti38Url=http://host.containers.internal:7001/xca/iti38,iti39Url=http://host.containers.internal:7001/xca/iti39',
      ],
      environment: {
        NIR_SIM_HEALTH_URL: 'http://127.0.0.1:8080/health',
        NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=160',
        MALLOC_ARENA_MAX: '2',
        MALLOC_MMAP_THRESHOLD_: '131072',
      },
      ports: ['127.0.0.1:18080:8080', '127.0.0.1:18090:8090'],
      volumes: ['audit:/var/lib/nir-sim/audit'],
      healthcheck,
      depends_on: {
        north: { condition: 'service_healthy' },
        south: { condition: 'service_healthy' },
        pars: { condition: 'service_healthy' },
      },
    });
  });

  it('keeps keys in reading order, quotes ports and restart, and writes the healthcheck test as one line', () => {
    const broker = text.slice(text.indexOf('\n  broker:\n'), text.indexOf('\nnetworks:\n'));
    const keys = [...broker.matchAll(/^ {4}([a-z_]+):/gm)].map((m) => m[1]);
    expect(keys).toEqual([
      'image',
      'build',
      'command',
      'environment',
      'ports',
      'volumes',
      'healthcheck',
      'depends_on',
      'networks',
      'restart',
      'stop_grace_period',
    ]);
    expect(broker).toContain("\n      - '127.0.0.1:18080:8080'\n      - '127.0.0.1:18090:8090'\n");
    expect(broker).toContain("\n      test: ['CMD', 'node', 'compose/healthcheck.mjs']\n");
    expect(broker).toContain("\n    restart: 'no'\n");
    expect(text).not.toMatch(/^(version|name):/m);
  });

  it('starts with a header saying it is generated, by which command, and how to check and start it', () => {
    expect(text.split('\n').slice(0, 7)).toEqual([
      `# GENERATED by \`${regenerate}\` (simulator/containers/compose-render.ts): do not edit.`,
      `# Regenerate:  ${regenerate}`,
      `# Check:       ${regenerate} --check   (fails when this file is stale)`,
      '',
      '# Start:  docker compose -f out/stack.yml up --build',
      "#    or:  docker-compose -f out/stack.yml up --build   (Debian's docker-compose 1.29)",
      '',
    ]);
    expect(text).toContain(
      [
        '#   broker  http://127.0.0.1:18080 (/xca/iti38, /xca/iti39, /xcai/rad75)',
        '#           FHIR base http://127.0.0.1:18080/fhir (MHD ITI-67 /fhir/DocumentReference, ITI-68 /fhir/document; WADO-RS /wado-rs)',
        '#           control API http://127.0.0.1:18090',
        '#   pars    http://127.0.0.1:18100',
        '#   north   http://127.0.0.1:19001  urn:oid:1.2.3.1',
        '#   south   http://127.0.0.1:19002  urn:oid:1.2.3.2',
        '#   external community supplier-gw (urn:oid:1.2.9) at its own URLs',
      ].join('\n'),
    );
    expect(text.endsWith('  pars: {}\n')).toBe(true);
  });

  it('writes absolute paths when the file has no directory (stdout)', () => {
    const services = read11(renderCompose(plan, { regenerate, repoRoot }))['services'] as Record<
      string,
      { build: { context: string }; volumes?: string[] }
    >;
    expect(services['north']!.build.context).toBe(repoRoot);
    expect(services['north']!.volumes).toEqual([`${packDir}:/var/lib/nir-sim-pack:ro`]);
  });

  it('gives the same bytes for the same plan', () => {
    const again = renderCompose(planContainers(input), {
      regenerate,
      repoRoot,
      composeDir,
      file: 'out/stack.yml',
    });
    expect(again).toBe(text);
  });

  it.skipIf(skipNoCompose)(
    "is accepted by Debian's docker-compose config -q (skipped when docker-compose is absent)",
    () => {
      mkdirSync(composeDir, { recursive: true });
      mkdirSync(packDir, { recursive: true });
      const file = path.join(composeDir, 'stack.yml');
      writeFileSync(file, text);
      const r = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8', cwd: work });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );
});

describe('renderCompose with several communities per gateway container', () => {
  const grouped = planContainers({ ...input, communitiesPerContainer: 2 });
  const doc = read11(renderCompose(grouped, { regenerate, repoRoot }));
  const services = doc['services'] as Record<string, Record<string, unknown>>;

  it("gives the container each community's name as a network alias and publishes each community's port", () => {
    expect(Object.keys(services)).toEqual(['gateways-1', 'pars', 'broker']);
    expect(services['gateways-1']!['networks']).toEqual({ 'nir-sim': { aliases: ['north', 'south'] } });
    expect(services['gateways-1']!['ports']).toEqual(['127.0.0.1:19001:9001', '127.0.0.1:19002:9002']);
    expect(services['broker']!['networks']).toEqual(['nir-sim']);
    expect(Object.keys(services['broker']!['depends_on'] as object)).toEqual(['gateways-1', 'pars']);
  });

  it.skipIf(skipNoCompose)('is accepted by docker-compose config -q', () => {
    const file = path.join(work, 'grouped.yml');
    writeFileSync(file, renderCompose(grouped, { regenerate, repoRoot }));
    const r = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});

describe('renderCompose with security', () => {
  const composeDir = path.join(repoRoot, 'out');
  const certsDir = path.join(repoRoot, 'certs', 'out');
  const secure = planContainers({ ...input, security: { certsDir, user: COMPOSE_USER } });
  const text = renderCompose(secure, { regenerate, repoRoot, composeDir, file: 'out/stack.yml' });
  const services = read11(text)['services'] as Record<string, Record<string, unknown>>;

  it("runs the gateways and the broker as NIR_SIM_UID:NIR_SIM_GID with the certificates mounted read-only, PARS as the image's user", () => {
    expect(COMPOSE_USER).toBe('${NIR_SIM_UID:-1000}:${NIR_SIM_GID:-1000}');
    const pick = (s: Record<string, unknown>) => ({
      user: s['user'],
      volumes: s['volumes'],
      environment: s['environment'],
    });
    const pack = '../.nir-sim/data-packs/seed-7-communities-2:/var/lib/nir-sim-pack:ro';
    const certs = '../certs/out:/var/lib/nir-sim/certs:ro';
    const gatewayHealth = {
      NIR_SIM_HEALTH_URL: 'http://127.0.0.1:9090/health',
      NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=256',
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    };
    expect(Object.fromEntries(Object.entries(services).map(([k, s]) => [k, pick(s)]))).toEqual({
      north: { user: COMPOSE_USER, volumes: [pack, certs], environment: gatewayHealth },
      south: { user: COMPOSE_USER, volumes: [pack, certs], environment: gatewayHealth },
      pars: {
        user: undefined,
        volumes: ['pars:/var/lib/nir-sim/pars'],
        environment: {
          NIR_SIM_HEALTH_URL: 'http://127.0.0.1:8100/health',
          NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=128',
          MALLOC_ARENA_MAX: '2',
          MALLOC_MMAP_THRESHOLD_: '131072',
        },
      },
      broker: {
        user: COMPOSE_USER,
        volumes: ['audit:/var/lib/nir-sim/audit', certs],
        environment: {
          NIR_SIM_HEALTH_URL: 'http://127.0.0.1:8080/health',
          NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=160',
          MALLOC_ARENA_MAX: '2',
          MALLOC_MMAP_THRESHOLD_: '131072',
        },
      },
    });
    expect(services['broker']!['ports']).toEqual([
      '127.0.0.1:18080:8080',
      '127.0.0.1:18090:8090',
      '127.0.0.1:18443:8443',
    ]);
  });

  it('writes user quoted, after command', () => {
    const broker = text.slice(text.indexOf('\n  broker:\n'), text.indexOf('\nnetworks:\n'));
    const keys = [...broker.matchAll(/^ {4}([a-z_]+):/gm)].map((m) => m[1]);
    expect(keys.slice(0, 5)).toEqual(['image', 'build', 'command', 'user', 'environment']);
    expect(broker).toContain("\n    user: '${NIR_SIM_UID:-1000}:${NIR_SIM_GID:-1000}'\n");
  });

  it('says in the header how to start it as the host user, where the certificates come from, and the integration port', () => {
    const env = 'NIR_SIM_UID=$(id -u) NIR_SIM_GID=$(id -g)';
    expect(text.split('\n').slice(4, 11)).toEqual([
      `# Start:  ${env} docker compose -f out/stack.yml up --build`,
      `#    or:  ${env} docker-compose -f out/stack.yml up --build   (Debian's docker-compose 1.29)`,
      '# Security: the certificate set in ../certs/out (npm run sim certs generate mints it) is mounted',
      '#   read-only at /var/lib/nir-sim/certs of the gateways and the broker, which run as',
      '#   NIR_SIM_UID:NIR_SIM_GID (default 1000:1000): the owner of its private keys (mode 0600).',
      '',
      '# Services (image nir-sim:local, network nir-sim) and their URLs on this machine:',
    ]);
    expect(text).toContain(
      [
        '#   broker  http://127.0.0.1:18080 (/xca/iti38, /xca/iti39, /xcai/rad75)',
        '#           FHIR base http://127.0.0.1:18080/fhir (MHD ITI-67 /fhir/DocumentReference, ITI-68 /fhir/document; WADO-RS /wado-rs)',
        '#           integration port https://127.0.0.1:18443 (mutual TLS + signed XUA assertion)',
        '#           control API http://127.0.0.1:18090',
        '#   pars    http://127.0.0.1:18100',
        '#   north   https://127.0.0.1:19001  urn:oid:1.2.3.1',
        '#   south   https://127.0.0.1:19002  urn:oid:1.2.3.2',
      ].join('\n'),
    );
    expect(text).toContain(
      '# Another container on network nir-sim reaches the broker at http://broker:8080 and https://broker:8443.\n',
    );
  });

  it.skipIf(skipNoCompose)(
    'docker-compose interpolates NIR_SIM_UID and NIR_SIM_GID into user (skipped when docker-compose is absent)',
    () => {
      for (const d of [composeDir, packDir, certsDir]) mkdirSync(d, { recursive: true });
      const file = path.join(composeDir, 'secure.yml');
      writeFileSync(file, text);
      const config = (env: NodeJS.ProcessEnv) => {
        const r = spawnSync('docker-compose', ['-f', file, 'config'], {
          encoding: 'utf8',
          cwd: work,
          env: { ...process.env, NIR_SIM_UID: undefined, NIR_SIM_GID: undefined, ...env },
        });
        expect(r.status, r.stderr).toBe(0);
        const s = (parse(r.stdout) as { services: Record<string, { user?: string }> }).services;
        return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.user]));
      };
      expect(config({ NIR_SIM_UID: '1234', NIR_SIM_GID: '5678' })).toEqual({
        north: '1234:5678',
        south: '1234:5678',
        pars: undefined,
        broker: '1234:5678',
      });
      expect(config({})['broker']).toBe('1000:1000');
    },
  );
});
