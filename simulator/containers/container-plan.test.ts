/**
 * The container plan (simulator/containers/container-plan.ts): one Topology as containers, the
 * model both the compose renderer and the docker runtime start from; and its input from a
 * resolved Topology (simulator/containers/container-plan-input.ts).
 */
import { describe, expect, it } from 'vitest';
import { containerPlanInput } from './container-plan-input.js';
import { planContainers, type ContainerPlanInput, type ServicePlan } from './container-plan.js';
import type { CommunityData } from '../data-pack/pack-format.js';
import type { ExternalCommunity, Topology } from '../topology/topology.js';
import { SimError } from '../shared/errors.js';
import { defaultPackDir } from '../../test/helpers/topology.js';

const north = { name: 'north', homeCommunityId: 'urn:oid:1.2.3.1' };
const south = { name: 'south', homeCommunityId: 'urn:oid:1.2.3.2' };
const supplier: ExternalCommunity = {
  kind: 'external',
  name: 'supplier-gw',
  homeCommunityId: 'urn:oid:1.2.9',
  iti38Url: 'https://gw.example.test/xca/query',
  iti39Url: 'https://gw.example.test/xca/retrieve',
};

const input = (over: Partial<ContainerPlanInput> = {}): ContainerPlanInput => ({
  communities: [north, south],
  external: [],
  dataPack: { inImage: 'data-packs/default' },
  deadlineMs: 10_000,
  seed: 1,
  portBase: 8080,
  ...over,
});

/** Node's flags per role (ContainerNodeOptions), by its health port: broker 8080, PARS 8100, else a gateway. */
const nodeOptions = (port: number) =>
  `--max-semi-space-size=${port === 8080 ? 8 : 2} --max-old-space-size=${port === 8080 ? 160 : port === 8100 ? 128 : 256}`;

const health = (port: number) => ({
  environment: {
    NIR_SIM_HEALTH_URL: `http://127.0.0.1:${port}/health`,
    NODE_OPTIONS: nodeOptions(port),
    // glibc malloc: two arenas, fixed 128 KiB mmap threshold (ContainerMallocEnv).
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
  },
  healthUrl: `http://127.0.0.1:${port}/health`,
});

const gateway = (
  c: typeof north,
  host: number,
  pack: string,
  mounts: ServicePlan['mounts'] = [],
  hostIp = '127.0.0.1',
): ServicePlan => ({
  service: c.name,
  role: 'gateway',
  command: ['serve', 'gateway', '--data-pack', pack, '--community', c.name, '--seed', '1'],
  ...health(9001),
  ports: [{ hostIp, host, container: 9001, what: `responding gateway ${c.name}` }],
  dependsOn: [],
  mounts,
  communities: [c],
});

const threw = (f: () => unknown): SimError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SimError);
    return e as SimError;
  }
  throw new Error('expected a SimError');
};

describe('planContainers', () => {
  it('plans one gateway per community, pars and the broker, with ports as the endpoints table says', () => {
    const plan = planContainers(input({ external: [supplier], seed: 7, deadlineMs: 2500 }));
    const seven = (s: ServicePlan): ServicePlan => ({
      ...s,
      command: s.command.map((a, i) => (s.command[i - 1] === '--seed' ? '7' : a)),
    });
    expect(plan).toEqual({
      project: 'nir-sim',
      image: 'nir-sim:local',
      network: 'nir-sim',
      volumes: ['audit', 'pars'],
      services: [
        seven(gateway(north, 9001, '/app/data-packs/default')),
        seven(gateway(south, 9002, '/app/data-packs/default')),
        {
          service: 'pars',
          role: 'pars',
          command: ['serve', 'pars', '--dir', '/var/lib/nir-sim/pars'],
          ...health(8100),
          ports: [{ hostIp: '127.0.0.1', host: 8100, container: 8100, what: 'PARS (FHIR AuditEvent)' }],
          dependsOn: [],
          mounts: [{ kind: 'volume', source: 'pars', target: '/var/lib/nir-sim/pars', readOnly: false }],
        },
        {
          service: 'broker',
          role: 'broker',
          command: [
            ...['serve', 'broker', '--deadline-ms', '2500', '--seed', '7'],
            ...['--public-url', 'http://127.0.0.1:8080'],
            ...['--pars-url', 'http://pars:8100', '--pars-control-url', 'http://pars:8110'],
            ...['--audit-dir', '/var/lib/nir-sim/audit'],
            '--community',
            'name=north,homeCommunityId=urn:oid:1.2.3.1,url=http://north:9001,control=http://north:9090',
            '--community',
            'name=south,homeCommunityId=urn:oid:1.2.3.2,url=http://south:9001,control=http://south:9090',
            '--external',
            'name=supplier-gw,homeCommunityId=urn:oid:1.2.9,iti38Url=https://gw.example.test/xca/query,iti39Url=https://gw.example.test/xca/retrieve',
          ],
          ...health(8080),
          ports: [
            { hostIp: '127.0.0.1', host: 8080, container: 8080, what: 'broker sandbox' },
            { hostIp: '127.0.0.1', host: 8090, container: 8090, what: 'control API' },
          ],
          dependsOn: ['north', 'south', 'pars'],
          mounts: [{ kind: 'volume', source: 'audit', target: '/var/lib/nir-sim/audit', readOnly: false }],
        },
      ],
      published: {
        broker: {
          url: 'http://127.0.0.1:8080',
          fhirBase: 'http://127.0.0.1:8080/fhir',
          endpoints: {
            'ITI-38': 'http://127.0.0.1:8080/xca/iti38',
            'ITI-39': 'http://127.0.0.1:8080/xca/iti39',
            'RAD-75': 'http://127.0.0.1:8080/xcai/rad75',
            'ITI-67': 'http://127.0.0.1:8080/fhir/DocumentReference',
            'ITI-68': 'http://127.0.0.1:8080/fhir/document',
            'WADO-RS': 'http://127.0.0.1:8080/wado-rs',
          },
        },
        control: { url: 'http://127.0.0.1:8090' },
        pars: { url: 'http://127.0.0.1:8100' },
        communities: [
          {
            ...north,
            kind: 'simulated',
            protocol: 'xca',
            endpoints: {
              'ITI-38': 'http://127.0.0.1:9001/xca/iti38',
              'ITI-39': 'http://127.0.0.1:9001/xca/iti39',
              'RAD-75': 'http://127.0.0.1:9001/xcai/rad75',
            },
          },
          {
            ...south,
            kind: 'simulated',
            protocol: 'xca',
            endpoints: {
              'ITI-38': 'http://127.0.0.1:9002/xca/iti38',
              'ITI-39': 'http://127.0.0.1:9002/xca/iti39',
              'RAD-75': 'http://127.0.0.1:9002/xcai/rad75',
            },
          },
          {
            name: 'supplier-gw',
            homeCommunityId: 'urn:oid:1.2.9',
            kind: 'external',
            protocol: 'xca',
            endpoints: {
              'ITI-38': 'https://gw.example.test/xca/query',
              'ITI-39': 'https://gw.example.test/xca/retrieve',
            },
          },
        ],
      },
    });
  });

  it('bind-mounts a host pack read-only and moves every host port with portBase, hostIp, project and image', () => {
    const plan = planContainers(
      input({
        dataPack: { hostDir: '/home/me/packs/big' },
        portBase: 18080,
        hostIp: '0.0.0.0',
        project: 'qa',
        image: 'registry.example.test/nir-sim:1',
      }),
    );
    const bind: ServicePlan['mounts'] = [
      { kind: 'bind', source: '/home/me/packs/big', target: '/var/lib/nir-sim-pack', readOnly: true },
    ];
    expect(plan.services.slice(0, 2)).toEqual([
      gateway(north, 19001, '/var/lib/nir-sim-pack', bind, '0.0.0.0'),
      gateway(south, 19002, '/var/lib/nir-sim-pack', bind, '0.0.0.0'),
    ]);
    expect(
      plan.services.map((s) => [s.service, s.ports.map((p) => `${p.hostIp}:${p.host}:${p.container}`)]),
    ).toEqual([
      ['north', ['0.0.0.0:19001:9001']],
      ['south', ['0.0.0.0:19002:9001']],
      ['pars', ['0.0.0.0:18100:8100']],
      ['broker', ['0.0.0.0:18080:8080', '0.0.0.0:18090:8090']],
    ]);
    expect(plan.services[3]!.command.slice(6, 8)).toEqual(['--public-url', 'http://0.0.0.0:18080']);
    expect([plan.project, plan.image]).toEqual(['qa', 'registry.example.test/nir-sim:1']);
    expect(plan.published.communities.map((c) => c.endpoints['ITI-38'])).toEqual([
      'http://0.0.0.0:19001/xca/iti38',
      'http://0.0.0.0:19002/xca/iti38',
    ]);
  });

  it('is the same plan for the same input', () => {
    expect(JSON.stringify(planContainers(input()))).toBe(JSON.stringify(planContainers(input())));
  });

  it('refuses host ports outside 1..65535 in one line saying which port base to pick', () => {
    const zero = threw(() => planContainers(input({ portBase: 0 })));
    expect([zero.code, zero.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      '--port-base 0 puts host ports outside 1..65535 (broker 0 to 922): pick a port base from 1024 to 64613',
    ]);
    const high = threw(() => planContainers(input({ portBase: 64700 })));
    expect(high.message).toBe(
      '--port-base 64700 puts host ports outside 1..65535 (broker 64700 to 65622): pick a port base from 1024 to 64613',
    );
    expect(planContainers(input({ portBase: 64613 })).services[1]!.ports[0]!.host).toBe(65535);
  });

  it("passes an external community's RAD-75 URL to the broker and publishes it", () => {
    const imaging = { ...supplier, rad75Url: 'https://gw.example.test/xcai/rad75' };
    const plan = planContainers(input({ external: [imaging] }));
    const broker = plan.services.find((x) => x.service === 'broker')!;
    expect(broker.command.slice(broker.command.indexOf('--external'))).toEqual([
      '--external',
      'name=supplier-gw,homeCommunityId=urn:oid:1.2.9,iti38Url=https://gw.example.test/xca/query,iti39Url=https://gw.example.test/xca/retrieve,rad75Url=https://gw.example.test/xcai/rad75',
    ]);
    expect(plan.published.communities.at(-1)!.endpoints).toEqual({
      'ITI-38': 'https://gw.example.test/xca/query',
      'ITI-39': 'https://gw.example.test/xca/retrieve',
      'RAD-75': 'https://gw.example.test/xcai/rad75',
    });
  });

  it('refuses a community named broker or pars, a name used twice, and a name compose cannot use', () => {
    const cases: [ContainerPlanInput, string][] = [
      [
        input({ communities: [north, { ...south, name: 'broker' }] }),
        "community name 'broker' clashes with the broker service: rename the community (every service name must be unique)",
      ],
      [
        input({ communities: [{ ...north, name: 'pars' }] }),
        "community name 'pars' clashes with the PARS service: rename the community (every service name must be unique)",
      ],
      [
        input({ external: [{ ...supplier, name: 'north' }] }),
        "external community name 'north' clashes with another community of that name: rename the community (every service name must be unique)",
      ],
      [
        input({ communities: [{ ...north, name: 'North East' }] }),
        "community name 'North East' is not a usable container service name: use lower-case letters, digits and '-'",
      ],
    ];
    for (const [bad, message] of cases) {
      const e = threw(() => planContainers(bad));
      expect([e.code, e.message]).toEqual(['SIM_ERR_BAD_ARGUMENT', message]);
    }
  });
});

describe('planContainers grouping communities into gateway containers', () => {
  const third = { name: 'east', homeCommunityId: 'urn:oid:1.2.3.3' };
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `c${i}`, homeCommunityId: `urn:oid:1.2.4.${i}` }));

  it('hosts communitiesPerContainer communities per container, each on its own port and DNS name', () => {
    const plan = planContainers(input({ communities: [north, south, third], communitiesPerContainer: 2 }));
    expect(plan.services.slice(0, 2)).toEqual([
      {
        service: 'gateways-1',
        role: 'gateway',
        command: [
          ...['serve', 'gateway', '--data-pack', '/app/data-packs/default'],
          ...['--community', 'north', '--community', 'south', '--seed', '1'],
        ],
        ...health(9001),
        ports: [
          { hostIp: '127.0.0.1', host: 9001, container: 9001, what: 'responding gateway north' },
          { hostIp: '127.0.0.1', host: 9002, container: 9002, what: 'responding gateway south' },
        ],
        dependsOn: [],
        mounts: [],
        communities: [north, south],
        aliases: ['north', 'south'],
      },
      {
        service: 'gateways-2',
        role: 'gateway',
        command: [
          ...['serve', 'gateway', '--data-pack', '/app/data-packs/default'],
          ...['--community', 'east', '--seed', '1'],
        ],
        ...health(9001),
        ports: [{ hostIp: '127.0.0.1', host: 9003, container: 9001, what: 'responding gateway east' }],
        dependsOn: [],
        mounts: [],
        communities: [third],
        aliases: ['east'],
      },
    ]);
    const broker = plan.services.at(-1)!;
    expect(broker.dependsOn).toEqual(['gateways-1', 'gateways-2', 'pars']);
    expect(broker.command.filter((_, i) => broker.command[i - 1] === '--community')).toEqual([
      'name=north,homeCommunityId=urn:oid:1.2.3.1,url=http://north:9001,control=http://north:9090',
      'name=south,homeCommunityId=urn:oid:1.2.3.2,url=http://south:9002,control=http://south:9090',
      'name=east,homeCommunityId=urn:oid:1.2.3.3,url=http://east:9001,control=http://east:9090',
    ]);
    // What users see on the host does not change with the grouping.
    expect(plan.published).toEqual(planContainers(input({ communities: [north, south, third] })).published);
  });

  it('keeps at most 8 gateway containers by default: one per community up to 8, 25 each for 200', () => {
    const gateways = (n: number) =>
      planContainers(input({ communities: many(n), portBase: 2000 })).services.filter(
        (s) => s.role === 'gateway',
      );
    expect(gateways(3).map((s) => [s.service, s.communities!.length])).toEqual([
      ['c0', 1],
      ['c1', 1],
      ['c2', 1],
    ]);
    expect(gateways(50).map((s) => s.communities!.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    const big = gateways(200);
    expect([big.length, big.map((s) => s.communities!.length)]).toEqual([8, Array(8).fill(25)]);
    expect(big[7]!.ports.map((p) => p.container)).toEqual(Array.from({ length: 25 }, (_, j) => 9001 + j));
    expect(big[7]!.aliases).toEqual(Array.from({ length: 25 }, (_, j) => `c${175 + j}`));
  });

  it('with security every community keeps its https URL on its own port and the control port for health', () => {
    const plan = planContainers(
      input({ communitiesPerContainer: 2, security: { certsDir: '/home/me/certs', user: '0:0' } }),
    );
    const [gw, , broker] = plan.services;
    expect([gw!.service, gw!.healthUrl, gw!.user, gw!.command.slice(-2)]).toEqual([
      'gateways-1',
      'http://127.0.0.1:9090/health',
      '0:0',
      ['--certs-dir', '/var/lib/nir-sim/certs'],
    ]);
    expect(broker!.command.filter((a) => a.startsWith('name='))).toEqual([
      'name=north,homeCommunityId=urn:oid:1.2.3.1,url=https://north:9001,control=http://north:9090',
      'name=south,homeCommunityId=urn:oid:1.2.3.2,url=https://south:9002,control=http://south:9090',
    ]);
  });

  it('refuses a count outside 1..64 and a community named like a gateway container', () => {
    for (const bad of [0, 65, 1.5]) {
      const e = threw(() => planContainers(input({ communitiesPerContainer: bad })));
      expect([e.code, e.message]).toEqual([
        'SIM_ERR_BAD_ARGUMENT',
        `--communities-per-container ${bad}: give a whole number from 1 to 64`,
      ]);
    }
    const clash = threw(() =>
      planContainers(
        input({ communities: [north, { ...south, name: 'gateways-2' }], communitiesPerContainer: 2 }),
      ),
    );
    expect([clash.code, clash.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      "community name 'gateways-2' clashes with the gateway containers' names (gateways-<k>): rename the community or give --communities-per-container 1",
    ]);
    expect(
      planContainers(input({ communities: [{ ...north, name: 'gateways-1' }] })).services[0]!.service,
    ).toBe('gateways-1');
  });
});

describe('planContainers with security', () => {
  const security = { certsDir: '/home/me/nir-sim/certs/out', user: '1001:1002' };
  const certs: ServicePlan['mounts'][number] = {
    kind: 'bind',
    source: '/home/me/nir-sim/certs/out',
    target: '/var/lib/nir-sim/certs',
    readOnly: true,
  };

  it('mounts the certificates into the gateways and the broker, runs them as the user, opens the integration port', () => {
    const plan = planContainers(input({ security, external: [supplier] }));
    const secureGateway = (c: typeof north, host: number): ServicePlan => ({
      ...gateway(c, host, '/app/data-packs/default', [certs]),
      command: [
        ...['serve', 'gateway', '--data-pack', '/app/data-packs/default', '--community', c.name],
        ...['--seed', '1', '--certs-dir', '/var/lib/nir-sim/certs'],
      ],
      ...health(9090),
      user: '1001:1002',
    });
    expect(plan.services).toEqual([
      secureGateway(north, 9001),
      secureGateway(south, 9002),
      {
        service: 'pars',
        role: 'pars',
        command: ['serve', 'pars', '--dir', '/var/lib/nir-sim/pars'],
        ...health(8100),
        ports: [{ hostIp: '127.0.0.1', host: 8100, container: 8100, what: 'PARS (FHIR AuditEvent)' }],
        dependsOn: [],
        mounts: [{ kind: 'volume', source: 'pars', target: '/var/lib/nir-sim/pars', readOnly: false }],
      },
      {
        service: 'broker',
        role: 'broker',
        command: [
          ...['serve', 'broker', '--deadline-ms', '10000', '--seed', '1'],
          ...['--public-url', 'http://127.0.0.1:8080'],
          ...['--pars-url', 'http://pars:8100', '--pars-control-url', 'http://pars:8110'],
          ...['--audit-dir', '/var/lib/nir-sim/audit'],
          ...['--certs-dir', '/var/lib/nir-sim/certs', '--integration-port', '8443'],
          '--community',
          'name=north,homeCommunityId=urn:oid:1.2.3.1,url=https://north:9001,control=http://north:9090',
          '--community',
          'name=south,homeCommunityId=urn:oid:1.2.3.2,url=https://south:9001,control=http://south:9090',
          '--external',
          'name=supplier-gw,homeCommunityId=urn:oid:1.2.9,iti38Url=https://gw.example.test/xca/query,iti39Url=https://gw.example.test/xca/retrieve',
        ],
        ...health(8080),
        ports: [
          { hostIp: '127.0.0.1', host: 8080, container: 8080, what: 'broker sandbox' },
          { hostIp: '127.0.0.1', host: 8090, container: 8090, what: 'control API' },
          {
            hostIp: '127.0.0.1',
            host: 8443,
            container: 8443,
            what: 'broker integration (mutual TLS + XUA)',
          },
        ],
        dependsOn: ['north', 'south', 'pars'],
        mounts: [
          { kind: 'volume', source: 'audit', target: '/var/lib/nir-sim/audit', readOnly: false },
          certs,
        ],
        user: '1001:1002',
      },
    ]);
  });

  it('publishes the integration port and the gateways as https, external communities unchanged', () => {
    const plan = planContainers(input({ security, external: [supplier], portBase: 18080 }));
    const paths = (base: string, prefix = '/xca') => ({
      'ITI-38': `${base}${prefix}/iti38`,
      'ITI-39': `${base}${prefix}/iti39`,
      'RAD-75': `${base}/xcai/rad75`,
    });
    const broker = (base: string) => ({
      url: base,
      fhirBase: `${base}/fhir`,
      endpoints: {
        ...paths(base),
        'ITI-67': `${base}/fhir/DocumentReference`,
        'ITI-68': `${base}/fhir/document`,
        'WADO-RS': `${base}/wado-rs`,
      },
    });
    expect(plan.published).toEqual({
      broker: { ...broker('http://127.0.0.1:18080'), integration: broker('https://127.0.0.1:18443') },
      control: { url: 'http://127.0.0.1:18090' },
      pars: { url: 'http://127.0.0.1:18100' },
      communities: [
        { ...north, kind: 'simulated', protocol: 'xca', endpoints: paths('https://127.0.0.1:19001') },
        { ...south, kind: 'simulated', protocol: 'xca', endpoints: paths('https://127.0.0.1:19002') },
        {
          name: 'supplier-gw',
          homeCommunityId: 'urn:oid:1.2.9',
          kind: 'external',
          protocol: 'xca',
          endpoints: {
            'ITI-38': 'https://gw.example.test/xca/query',
            'ITI-39': 'https://gw.example.test/xca/retrieve',
          },
        },
      ],
    });
    expect(planContainers(input()).published.broker.integration).toBeUndefined();
  });

  it('counts the integration port among the host ports that must fit below 65536', () => {
    const e = threw(() => planContainers(input({ security, communities: [], portBase: 65_200 })));
    expect(e.message).toBe(
      '--port-base 65200 puts host ports outside 1..65535 (broker 65200 to 65563): pick a port base from 1024 to 65172',
    );
    const ok = planContainers(input({ security, communities: [], portBase: 65_172 }));
    expect(ok.services.at(-1)!.ports.at(-1)!.host).toBe(65_535);
  });
});

describe('containerPlanInput', () => {
  const topology = (dataPackDir: string): Topology => ({
    host: '127.0.0.1',
    broker: { port: 8080, deadlineMs: 750 },
    maxBodyBytes: 1024,
    dataPackDir,
    communities: [
      { kind: 'simulated', store: { ...north } as unknown as CommunityData, port: 9001 },
      supplier,
      { kind: 'simulated', store: { ...south } as unknown as CommunityData, port: 9002 },
    ],
  });

  it('uses the default pack from the image and bind-mounts any other pack', () => {
    expect(containerPlanInput(topology(`${defaultPackDir}/`), { seed: 3, portBase: 8080 })).toEqual({
      communities: [north, south],
      external: [supplier],
      dataPack: { inImage: 'data-packs/default' },
      deadlineMs: 750,
      seed: 3,
      portBase: 8080,
    });
    expect(containerPlanInput(topology('/tmp/packs/other'), { seed: 1, portBase: 9000 }).dataPack).toEqual({
      hostDir: '/tmp/packs/other',
    });
  });

  it('passes security (certificate directory and user) through, and leaves it out without', () => {
    const security = { certsDir: '/srv/certs', user: '0:0' };
    const t = topology(defaultPackDir);
    expect(containerPlanInput(t, { seed: 1, portBase: 8080, security }).security).toEqual(security);
    expect('security' in containerPlanInput(t, { seed: 1, portBase: 8080 })).toBe(false);
  });

  it('passes --communities-per-container through, and leaves the default to the plan without it', () => {
    const t = topology(defaultPackDir);
    const grouped = containerPlanInput(t, { seed: 1, portBase: 8080, communitiesPerContainer: 2 });
    expect(planContainers(grouped).services.map((s) => [s.service, s.communities?.length])).toEqual([
      ['gateways-1', 2],
      ['pars', undefined],
      ['broker', undefined],
    ]);
    expect('communitiesPerContainer' in containerPlanInput(t, { seed: 1, portBase: 8080 })).toBe(false);
  });
});
