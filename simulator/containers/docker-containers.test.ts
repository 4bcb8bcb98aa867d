/**
 * The docker runtime's pure parts and its engine adapter: a plan service as Engine API create
 * options (labels, alias, ports on the host address, healthcheck in ns, env, mounts with
 * project-prefixed volumes), the start order, the published health URL, log demultiplexing, the
 * build context, `sim up` options to a plan input, and the one-line errors of an engine that
 * cannot be reached (real dockerode against a missing socket and a closed TCP port).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planContainers } from './container-plan.js';
import { containerCreateOptions, publishedHealthUrl, startOrder } from './docker-containers.js';
import { connectEngine, demuxLogs, engineAddress } from './docker-engine.js';
import { contextEntries } from './docker-image.js';
import { SimError } from '../shared/errors.js';

const NE = 'north-east-imaging-network';
const plan = planContainers({
  communities: [{ name: NE, homeCommunityId: 'urn:oid:1.2.826.0.1.1' }],
  external: [],
  dataPack: { hostDir: '/srv/packs/seed-9' },
  deadlineMs: 5_000,
  seed: 7,
  portBase: 18080,
});
const service = (name: string) => plan.services.find((s) => s.service === name)!;
const HEALTHCHECK = {
  Test: ['CMD', 'node', 'compose/healthcheck.mjs'],
  Interval: 10_000_000_000,
  Timeout: 2_000_000_000,
  StartPeriod: 30_000_000_000,
  StartInterval: 1_000_000_000,
  Retries: 3,
};

describe('containerCreateOptions', () => {
  it('gives a gateway its labels, alias, port on 127.0.0.1, healthcheck, env and the pack bind mount', () => {
    const g = service(NE);
    expect(containerCreateOptions(plan, g)).toEqual({
      name: `nir-sim-${NE}`,
      Image: 'nir-sim:local',
      Cmd: g.command,
      Env: [
        'NIR_SIM_HEALTH_URL=http://127.0.0.1:9001/health',
        'NODE_OPTIONS=--max-semi-space-size=2 --max-old-space-size=256',
        'MALLOC_ARENA_MAX=2',
        'MALLOC_MMAP_THRESHOLD_=131072',
      ],
      Labels: { 'io.nir-sim.project': 'nir-sim', 'io.nir-sim.role': 'gateway', 'io.nir-sim.service': NE },
      ExposedPorts: { '9001/tcp': {} },
      Healthcheck: HEALTHCHECK,
      HostConfig: {
        NetworkMode: 'nir-sim',
        PortBindings: { '9001/tcp': [{ HostIp: '127.0.0.1', HostPort: '19001' }] },
        Mounts: [
          { Type: 'bind', Source: '/srv/packs/seed-9', Target: '/var/lib/nir-sim-pack', ReadOnly: true },
        ],
      },
      NetworkingConfig: { EndpointsConfig: { 'nir-sim': { Aliases: [NE] } } },
    });
  });

  it('publishes the broker sandbox and control ports and mounts the project-prefixed audit volume', () => {
    const b = containerCreateOptions(plan, service('broker'));
    expect(b.ExposedPorts).toEqual({ '8080/tcp': {}, '8090/tcp': {} });
    expect(b.HostConfig).toEqual({
      NetworkMode: 'nir-sim',
      PortBindings: {
        '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }],
        '8090/tcp': [{ HostIp: '127.0.0.1', HostPort: '18090' }],
      },
      Mounts: [
        { Type: 'volume', Source: 'nir-sim_audit', Target: '/var/lib/nir-sim/audit', ReadOnly: false },
      ],
    });
    expect(b.Labels).toEqual({
      'io.nir-sim.project': 'nir-sim',
      'io.nir-sim.role': 'broker',
      'io.nir-sim.service': 'broker',
    });
  });
});

describe('containerCreateOptions for a container of several communities', () => {
  it("answers to every community's name in the network and publishes each community's port", () => {
    const grouped = planContainers({
      communities: [
        { name: 'north', homeCommunityId: 'urn:oid:1.2.3.1' },
        { name: 'south', homeCommunityId: 'urn:oid:1.2.3.2' },
      ],
      external: [],
      dataPack: { inImage: 'data-packs/default' },
      deadlineMs: 5_000,
      seed: 7,
      portBase: 18080,
      communitiesPerContainer: 2,
    });
    const o = containerCreateOptions(grouped, grouped.services[0]!);
    expect([o.name, o.ExposedPorts, o.HostConfig?.PortBindings, o.NetworkingConfig]).toEqual([
      'nir-sim-gateways-1',
      { '9001/tcp': {}, '9002/tcp': {} },
      {
        '9001/tcp': [{ HostIp: '127.0.0.1', HostPort: '19001' }],
        '9002/tcp': [{ HostIp: '127.0.0.1', HostPort: '19002' }],
      },
      { EndpointsConfig: { 'nir-sim': { Aliases: ['gateways-1', 'north', 'south'] } } },
    ]);
  });
});

describe('containerCreateOptions with security', () => {
  const secure = planContainers({
    communities: [{ name: NE, homeCommunityId: 'urn:oid:1.2.826.0.1.1' }],
    external: [],
    dataPack: { inImage: 'data-packs/default' },
    deadlineMs: 5_000,
    seed: 7,
    portBase: 18080,
    security: { certsDir: '/home/me/certs/out', user: '1001:1001' },
  });
  const certs = {
    Type: 'bind',
    Source: '/home/me/certs/out',
    Target: '/var/lib/nir-sim/certs',
    ReadOnly: true,
  };

  it("runs a gateway as the keys' owner with the certificates mounted, healthy on its control port", () => {
    const g = secure.services.find((s) => s.service === NE)!;
    const o = containerCreateOptions(secure, g);
    expect([o.User, o.Env, o.HostConfig?.Mounts]).toEqual([
      '1001:1001',
      [
        'NIR_SIM_HEALTH_URL=http://127.0.0.1:9090/health',
        'NODE_OPTIONS=--max-semi-space-size=2 --max-old-space-size=256',
        'MALLOC_ARENA_MAX=2',
        'MALLOC_MMAP_THRESHOLD_=131072',
      ],
      [certs],
    ]);
    expect(o.HostConfig?.PortBindings).toEqual({ '9001/tcp': [{ HostIp: '127.0.0.1', HostPort: '19001' }] });
    // The control port is not published: the engine's healthcheck judges the gateway, not the host.
    expect(publishedHealthUrl(g)).toBeUndefined();
  });

  it('publishes the broker integration port and mounts the certificates beside the audit volume', () => {
    const o = containerCreateOptions(
      secure,
      secure.services.find((s) => s.service === 'broker')!,
    );
    expect(o.User).toBe('1001:1001');
    expect(o.ExposedPorts).toEqual({ '8080/tcp': {}, '8090/tcp': {}, '8443/tcp': {} });
    expect(o.HostConfig).toEqual({
      NetworkMode: 'nir-sim',
      PortBindings: {
        '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }],
        '8090/tcp': [{ HostIp: '127.0.0.1', HostPort: '18090' }],
        '8443/tcp': [{ HostIp: '127.0.0.1', HostPort: '18443' }],
      },
      Mounts: [
        { Type: 'volume', Source: 'nir-sim_audit', Target: '/var/lib/nir-sim/audit', ReadOnly: false },
        certs,
      ],
    });
  });

  it('leaves User out without security and for PARS (the image user 1000)', () => {
    const pars = secure.services.find((s) => s.service === 'pars')!;
    expect('User' in containerCreateOptions(secure, pars)).toBe(false);
    expect(plan.services.map((s) => 'User' in containerCreateOptions(plan, s))).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('startOrder and publishedHealthUrl', () => {
  it('starts gateways and PARS first, the broker after them', () => {
    expect(startOrder(plan.services).map((g) => g.map((s) => s.service))).toEqual([[NE, 'pars'], ['broker']]);
  });

  it('names a dependency cycle', () => {
    const a = { ...service('pars'), service: 'a', dependsOn: ['b'] };
    const b = { ...service('pars'), service: 'b', dependsOn: ['a'] };
    expect(() => startOrder([a, b])).toThrow('container plan has a dependency cycle among a, b');
  });

  it('maps the in-container health URL to the published host port, or none when unpublished', () => {
    expect(publishedHealthUrl(service(NE))).toBe('http://127.0.0.1:19001/health');
    expect(publishedHealthUrl(service('broker'))).toBe('http://127.0.0.1:18080/health');
    expect(publishedHealthUrl({ ...service(NE), ports: [] })).toBeUndefined();
  });
});

describe('demuxLogs and contextEntries', () => {
  const frame = (type: number, text: string): Buffer => {
    const head = Buffer.alloc(8);
    head[0] = type;
    head.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([head, Buffer.from(text)]);
  };

  it('joins stdout and stderr frames, and passes raw text through', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'listening\n'), frame(2, 'nir-sim: bad pack\n')]))).toBe(
      'listening\nnir-sim: bad pack\n',
    );
    expect(demuxLogs(Buffer.from('plain text log\n'))).toBe('plain text log\n');
  });

  it("leaves node_modules, .git, run-time state and .dockerignore's top-level names out of the build context", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-context-'));
    try {
      for (const d of ['node_modules', '.git', '.nir-sim', 'simulator', 'test', 'bench', 'data-packs'])
        mkdirSync(path.join(dir, d));
      writeFileSync(path.join(dir, 'package.json'), '{}');
      expect(contextEntries(dir).sort()).toEqual([
        'bench',
        'data-packs',
        'package.json',
        'simulator',
        'test',
      ]);
      writeFileSync(
        path.join(dir, '.dockerignore'),
        '# comment\ntest\n/bench/\ndata-packs/*\n!data-packs/default\n',
      );
      expect(contextEntries(dir).sort()).toEqual([
        '.dockerignore',
        'data-packs',
        'package.json',
        'simulator',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connectEngine', () => {
  const saved = process.env['DOCKER_HOST'];
  afterEach(() => {
    if (saved === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = saved;
  });

  async function failure(dockerHost: string | undefined): Promise<SimError> {
    if (dockerHost === undefined) delete process.env['DOCKER_HOST'];
    else process.env['DOCKER_HOST'] = dockerHost;
    const err = await connectEngine().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimError);
    return err as SimError;
  }

  it('names DOCKER_HOST and its value in one line when nothing listens there', async () => {
    const missing = await failure('unix:///tmp/nir-sim-no-such-engine.sock');
    expect([missing.code, missing.exitCode, missing.message]).toEqual([
      'SIM_ERR_ENGINE_UNREACHABLE',
      69,
      'cannot reach a container engine at DOCKER_HOST=unix:///tmp/nir-sim-no-such-engine.sock (ENOENT): start the engine there, or set DOCKER_HOST to the socket of one that runs',
    ]);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const closed = await failure(`tcp://127.0.0.1:${port}`);
    expect(closed.message).toBe(
      `cannot reach a container engine at DOCKER_HOST=tcp://127.0.0.1:${port} (ECONNREFUSED): start the engine there, or set DOCKER_HOST to the socket of one that runs`,
    );
  });

  it('says when DOCKER_HOST is not an engine address', async () => {
    const bad = await failure('bogus::host');
    expect(bad.message).toBe(
      'DOCKER_HOST=bogus::host is not a container engine address (DOCKER_HOST env variable should be something like tcp://localhost:1234): set DOCKER_HOST to unix:///path/to/engine.sock or tcp://host:port',
    );
  });

  it('names the default socket when DOCKER_HOST is unset', () => {
    expect(engineAddress({})).toBe('unix:///var/run/docker.sock (DOCKER_HOST unset)');
    expect(engineAddress({ DOCKER_HOST: 'tcp://10.0.0.2:2375' })).toBe('DOCKER_HOST=tcp://10.0.0.2:2375');
  });
});
