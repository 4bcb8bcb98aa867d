/**
 * MHD communities in the container plan (simulator/containers/container-plan.ts) and the compose
 * file (compose-render.ts): a gateway container serves its MHD communities with `--mhd-community`
 * and, when its first community speaks MHD, checks its health at `/fhir/metadata`; the broker
 * container reaches them with `protocol=mhd`; an external MHD responder travels by its FHIR base;
 * the published endpoints and the compose header say what each community speaks.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { containerPlanInput } from './container-plan-input.js';
import { planContainers, type ContainerPlanInput } from './container-plan.js';
import { renderCompose } from './compose-render.js';
import type { CommunityData } from '../data-pack/pack-format.js';
import type { ExternalCommunity, Topology } from '../topology/topology.js';
import { defaultPackDir, repoDir } from '../../test/helpers/topology.js';

const north = { name: 'north', homeCommunityId: 'urn:oid:1.2.3.1' };
const south = { name: 'south', homeCommunityId: 'urn:oid:1.2.3.2', protocol: 'mhd' as const };
const east = { name: 'east', homeCommunityId: 'urn:oid:1.2.3.3', protocol: 'mhd' as const };
const supplierMhd: ExternalCommunity = {
  kind: 'external',
  protocol: 'mhd',
  name: 'supplier-mhd',
  homeCommunityId: 'urn:oid:1.2.9',
  fhirBase: 'https://mhd.example.test/fhir/R4',
};

const input = (over: Partial<ContainerPlanInput> = {}): ContainerPlanInput => ({
  communities: [north, south],
  external: [supplierMhd],
  dataPack: { inImage: 'data-packs/default' },
  deadlineMs: 10_000,
  seed: 1,
  portBase: 8080,
  ...over,
});

describe('planContainers with MHD communities', () => {
  it('serves an MHD community with --mhd-community, health at /fhir/metadata, and tells the broker protocol=mhd', () => {
    const plan = planContainers(input());
    const [n, s] = plan.services;
    expect([n!.service, n!.command, n!.healthUrl, n!.communities]).toEqual([
      'north',
      ['serve', 'gateway', '--data-pack', '/app/data-packs/default', '--community', 'north', '--seed', '1'],
      'http://127.0.0.1:9001/health',
      [north],
    ]);
    expect([
      s!.service,
      s!.command,
      s!.healthUrl,
      s!.environment['NIR_SIM_HEALTH_URL'],
      s!.communities,
    ]).toEqual([
      'south',
      [
        ...['serve', 'gateway', '--data-pack', '/app/data-packs/default'],
        ...['--community', 'south', '--mhd-community', 'south', '--seed', '1'],
      ],
      'http://127.0.0.1:9001/fhir/metadata',
      'http://127.0.0.1:9001/fhir/metadata',
      [south],
    ]);
    const broker = plan.services.at(-1)!;
    expect(
      broker.command.filter((_, i, a) => a[i - 1] === '--community' || a[i - 1] === '--external'),
    ).toEqual([
      'name=north,homeCommunityId=urn:oid:1.2.3.1,url=http://north:9001,control=http://north:9090',
      'name=south,homeCommunityId=urn:oid:1.2.3.2,url=http://south:9001,control=http://south:9090,protocol=mhd',
      'name=supplier-mhd,homeCommunityId=urn:oid:1.2.9,protocol=mhd,fhirBase=https://mhd.example.test/fhir/R4',
    ]);
  });

  it('publishes each community with its protocol: XCA endpoints, or the FHIR base with ITI-67 and ITI-68', () => {
    expect(planContainers(input()).published.communities).toEqual([
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
        fhirBase: 'http://127.0.0.1:9002/fhir',
        endpoints: {
          'ITI-67': 'http://127.0.0.1:9002/fhir/DocumentReference',
          'ITI-68': 'http://127.0.0.1:9002/fhir/document',
        },
      },
      {
        name: 'supplier-mhd',
        homeCommunityId: 'urn:oid:1.2.9',
        kind: 'external',
        protocol: 'mhd',
        fhirBase: 'https://mhd.example.test/fhir/R4',
        endpoints: { 'ITI-67': 'https://mhd.example.test/fhir/R4/DocumentReference' },
      },
    ]);
  });

  it('groups mixed communities in one container: --mhd-community for each MHD one, health by the first', () => {
    const plan = planContainers(input({ communities: [east, north, south], communitiesPerContainer: 3 }));
    const g = plan.services[0]!;
    expect([g.service, g.command, g.healthUrl, g.aliases]).toEqual([
      'gateways-1',
      [
        ...['serve', 'gateway', '--data-pack', '/app/data-packs/default'],
        ...['--community', 'east', '--community', 'north', '--community', 'south'],
        ...['--mhd-community', 'east', '--mhd-community', 'south', '--seed', '1'],
      ],
      'http://127.0.0.1:9001/fhir/metadata',
      ['east', 'north', 'south'],
    ]);
    const mixed = planContainers(input({ communities: [north, south], communitiesPerContainer: 2 }));
    expect(mixed.services[0]!.healthUrl).toBe('http://127.0.0.1:9001/health');
  });

  it('keeps the health of a secured MHD gateway on its plain-HTTP control port', () => {
    const plan = planContainers(
      input({ security: { certsDir: '/home/me/certs', user: '1000:1000' }, external: [] }),
    );
    expect(plan.services[1]!.healthUrl).toBe('http://127.0.0.1:9090/health');
    expect(plan.published.communities[1]).toEqual({
      ...south,
      kind: 'simulated',
      fhirBase: 'https://127.0.0.1:9002/fhir',
      endpoints: {
        'ITI-67': 'https://127.0.0.1:9002/fhir/DocumentReference',
        'ITI-68': 'https://127.0.0.1:9002/fhir/document',
      },
    });
  });

  it('takes the protocol from the resolved topology', () => {
    const store = (name: string, homeCommunityId: string) => ({ name, homeCommunityId }) as CommunityData;
    const topology: Topology = {
      host: '127.0.0.1',
      broker: { port: 8080, deadlineMs: 2_000 },
      maxBodyBytes: 1 << 20,
      dataPackDir: defaultPackDir,
      communities: [
        { kind: 'simulated', store: store('north', north.homeCommunityId), port: 9001, protocol: 'xca' },
        { kind: 'simulated', store: store('south', south.homeCommunityId), port: 9002, protocol: 'mhd' },
        supplierMhd,
      ],
    };
    expect(containerPlanInput(topology, { seed: 3, portBase: 8080 })).toEqual({
      communities: [north, south],
      external: [supplierMhd],
      dataPack: { inImage: 'data-packs/default' },
      deadlineMs: 2_000,
      seed: 3,
      portBase: 8080,
    });
  });
});

describe('renderCompose with MHD communities', () => {
  it('writes the MHD flags and health URL, and names each MHD community with its FHIR base in the header', () => {
    const plan = planContainers(input());
    const text = renderCompose(plan, {
      regenerate: 'npm run sim compose render -- --out out/stack.yml',
      repoRoot: repoDir,
      composeDir: `${repoDir}/out`,
      file: 'out/stack.yml',
    });
    expect(text).toContain(
      [
        '#   north   http://127.0.0.1:9001  urn:oid:1.2.3.1',
        '#   south   http://127.0.0.1:9002/fhir  urn:oid:1.2.3.2  (MHD: ITI-67, ITI-68)',
        '#   external community supplier-mhd (urn:oid:1.2.9) at its own URLs',
      ].join('\n'),
    );
    const services = (
      parse(text) as { services: Record<string, { command: string[]; environment: Record<string, string> }> }
    ).services;
    expect(services['south']!.command).toEqual([
      ...['serve', 'gateway', '--data-pack', '/app/data-packs/default'],
      ...['--community', 'south', '--mhd-community', 'south', '--seed', '1'],
    ]);
    expect(services['south']!.environment['NIR_SIM_HEALTH_URL']).toBe('http://127.0.0.1:9001/fhir/metadata');
    expect(services['broker']!.command).toContain(
      'name=south,homeCommunityId=urn:oid:1.2.3.2,url=http://south:9001,control=http://south:9090,protocol=mhd',
    );
  });
});
