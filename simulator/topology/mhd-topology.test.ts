/**
 * MHD communities in a topology: `mhdGateways` and per-community `communities.<ref>.protocol` in a
 * topology file, a pack manifest's `protocol`, external MHD responders given by their FHIR base,
 * the `--mhd-gateways` flag, every problem as one message that says what to fix, and the endpoint
 * table (topology/endpoint-table.ts) that turns them into the broker's directory entries and the
 * views `sim status` prints.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTopology } from './resolve-topology.js';
import { loadTopologyFile } from './topology-file.js';
import { checkDeadlineAndGateways, checkTopologyFlags, specFromFlags } from './topology-from-options.js';
import { parseTopologySpec, type TopologySpec } from './topology-spec.js';
import {
  brokerEndpoints,
  communityView,
  externalCommunityEndpoint,
  simulatedCommunityEndpoint,
} from './endpoint-table.js';
import { loadDataPack, type DataPack } from '../data-pack/loader.js';
import { SimError } from '../shared/errors.js';
import { defaultPackDir, repoDir } from '../../test/helpers/topology.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'nir-sim-mhd-topology-'));
const opts = { baseDir: repoDir, host: '127.0.0.1', portBase: 18080 };
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function spec(input: Record<string, unknown>): TopologySpec {
  const r = parseTopologySpec({ schemaVersion: 1, ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.spec;
}

/** The SimError `f` throws or a promise rejects with (fails the test otherwise). */
async function simError(p: Promise<unknown> | (() => unknown)): Promise<SimError> {
  const err = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SimError);
  return err as SimError;
}

/** Name, port and protocol of each simulated community; external ones whole. */
const shape = (r: Awaited<ReturnType<typeof resolveTopology>>): unknown[] =>
  r.topology.communities.map((c) => (c.kind === 'simulated' ? [c.store.name, c.port, c.protocol] : c));

const mhdExternal = {
  name: 'supplier-mhd',
  protocol: 'mhd',
  homeCommunityId: 'urn:oid:1.2.826.0.1.999.2',
  fhirBase: 'https://mhd.supplier.example/fhir/R4/',
};

describe('simulated MHD communities in a topology', () => {
  let pack: DataPack;
  let names: string[];
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    names = pack.communities.map((c) => c.name);
  });

  it('simulates `mhdGateways` more communities after the first `gateways`, speaking MHD', async () => {
    const r = await resolveTopology(spec({ gateways: 1, mhdGateways: 1 }), opts);
    expect(shape(r)).toEqual([
      [names[0], 19001, 'xca'],
      [names[1], 19002, 'mhd'],
    ]);
    const rest = await resolveTopology(spec({ mhdGateways: 1 }), opts);
    expect(shape(rest)).toEqual([
      [names[0], 19001, 'xca'],
      [names[1], 19002, 'xca'],
      [names[2], 19003, 'mhd'],
    ]);
    const plain = await resolveTopology(spec({}), opts);
    expect(shape(plain).map((c) => (c as unknown[])[2])).toEqual(['xca', 'xca', 'xca']);
  });

  it('takes `communities.<name or homeCommunityId>.protocol` over mhdGateways', async () => {
    const third = pack.communities[2]!;
    const r = await resolveTopology(
      spec({
        mhdGateways: 1,
        communities: { [names[0]!]: { protocol: 'mhd' }, [third.homeCommunityId]: { protocol: 'xca' } },
      }),
      opts,
    );
    expect(shape(r)).toEqual([
      [names[0], 19001, 'mhd'],
      [names[1], 19002, 'xca'],
      [names[2], 19003, 'xca'],
    ]);
  });

  it('says what to fix: too many for the pack, a `communities` entry that is not simulated', async () => {
    const tooMany = await simError(resolveTopology(spec({ gateways: 2, mhdGateways: 2 }), opts));
    expect([tooMany.code, tooMany.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      `data pack ${defaultPackDir} has 3 communities, so gateways + mhdGateways (2 + 2) must be at most 3 (or use a generated pack with that many communities)`,
    ]);
    const unknown = await simError(
      resolveTopology(
        spec({
          gateways: 1,
          communities: { 'no-such-network': { protocol: 'mhd' }, [names[2]!]: { protocol: 'mhd' } },
        }),
        opts,
      ),
    );
    expect([unknown.code, unknown.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      `communities.no-such-network: no simulated community named or with homeCommunityId 'no-such-network'; communities.${names[2]}: no simulated community named or with homeCommunityId '${names[2]}' (simulated: ${names[0]}; raise gateways or mhdGateways to simulate more of the pack)`,
    ]);
  });

  it("takes a pack manifest's `protocol` as the community's default, and refuses any other value", async () => {
    const dir = path.join(tmp, 'pack-with-mhd');
    cpSync(defaultPackDir, dir, { recursive: true });
    const manifestFile = path.join(dir, 'pack.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      communities: Record<string, unknown>[];
    };
    manifest.communities[1]!['protocol'] = 'mhd';
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const r = await resolveTopology(spec({ dataPack: dir }), opts);
    expect(shape(r).map((c) => (c as unknown[])[2])).toEqual(['xca', 'mhd', 'xca']);
    expect(r.pack.communities[1]!.protocol).toBe('mhd');
    const overridden = await resolveTopology(
      spec({ dataPack: dir, communities: { [names[1]!]: { protocol: 'xca' } } }),
      opts,
    );
    expect(shape(overridden).map((c) => (c as unknown[])[2])).toEqual(['xca', 'xca', 'xca']);

    manifest.communities[1]!['protocol'] = 'fhir';
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const bad = await simError(resolveTopology(spec({ dataPack: dir }), opts));
    expect(bad.code).toBe('SIM_ERR_DATA_PACK_INVALID');
    expect(bad.message).toContain('pack.json communities[1]: protocol must be xca or mhd (or absent: xca)');
  });
});

describe('external MHD responders in a topology file', () => {
  const file = (name: string, text: string): string => {
    const p = path.join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads an external community with protocol mhd and its fhirBase beside an XCA one', async () => {
    const p = file(
      'external-mhd.yaml',
      [
        'schemaVersion: 1',
        'gateways: 1',
        'external:',
        '  - name: supplier-mhd',
        '    protocol: mhd',
        '    homeCommunityId: urn:oid:1.2.826.0.1.999.2',
        '    fhirBase: https://mhd.supplier.example/fhir/R4/',
        '  - name: supplier-xca',
        '    homeCommunityId: urn:oid:1.2.826.0.1.999.1',
        '    iti38Url: http://127.0.0.1:7001/xca/iti38',
        '    iti39Url: http://127.0.0.1:7001/xca/iti39',
      ].join('\n'),
    );
    const s = await loadTopologyFile(p);
    const r = await resolveTopology(s, opts);
    const xcaExternal = {
      kind: 'external',
      name: 'supplier-xca',
      homeCommunityId: 'urn:oid:1.2.826.0.1.999.1',
      iti38Url: 'http://127.0.0.1:7001/xca/iti38',
      iti39Url: 'http://127.0.0.1:7001/xca/iti39',
    };
    expect(r.topology.communities.slice(1)).toEqual([{ kind: 'external', ...mhdExternal }, xcaExternal]);
    const [, mhd, xca] = r.topology.communities;
    if (mhd?.kind !== 'external' || xca?.kind !== 'external') throw new Error('two external communities');
    expect(externalCommunityEndpoint(mhd)).toEqual({
      name: 'supplier-mhd',
      homeCommunityId: 'urn:oid:1.2.826.0.1.999.2',
      protocol: 'mhd',
      fhirBase: 'https://mhd.supplier.example/fhir/R4',
      endpoints: { 'ITI-67': 'https://mhd.supplier.example/fhir/R4/DocumentReference' },
    });
    expect(communityView(externalCommunityEndpoint(mhd), 'external')).toEqual({
      name: 'supplier-mhd',
      homeCommunityId: 'urn:oid:1.2.826.0.1.999.2',
      kind: 'external',
      protocol: 'mhd',
      fhirBase: 'https://mhd.supplier.example/fhir/R4',
      endpoints: { 'ITI-67': 'https://mhd.supplier.example/fhir/R4/DocumentReference' },
    });
    expect(externalCommunityEndpoint(xca)).toEqual({
      name: 'supplier-xca',
      homeCommunityId: 'urn:oid:1.2.826.0.1.999.1',
      protocol: 'xca',
      endpoints: { 'ITI-38': xcaExternal.iti38Url, 'ITI-39': xcaExternal.iti39Url },
    });
  });

  it('lists every problem of bad MHD and XCA entries, protocols and community entries in one message', async () => {
    const p = file(
      'external-bad.yaml',
      [
        'schemaVersion: 1',
        'mhdGateways: -1',
        'communities:',
        '  north-east-imaging-network: { protocol: fhir }',
        'external:',
        '  - { name: a, protocol: mhd, homeCommunityId: "urn:oid:1.2.3", iti38Url: "http://x/q" }',
        '  - { name: b, protocol: mhd, homeCommunityId: "urn:oid:1.2.4", fhirBase: "ftp://x/fhir" }',
        '  - { name: c, protocol: fhir, homeCommunityId: "urn:oid:1.2.5", fhirBase: "http://x/fhir" }',
        '  - { name: d, homeCommunityId: "urn:oid:1.2.6", fhirBase: "http://x/fhir" }',
      ].join('\n'),
    );
    const err = await simError(loadTopologyFile(p));
    expect(err.code).toBe('SIM_ERR_BAD_ARGUMENT');
    expect(err.message.split('; ')).toEqual([
      `${p}: mhdGateways: Too small: expected number to be >=0`,
      `${p}: communities.north-east-imaging-network.protocol: protocol must be xca or mhd`,
      `${p}: external.0.fhirBase: the MHD responder's FHIR base URL (http(s)://host[:port]/path, ITI-67 at {fhirBase}/DocumentReference)`,
      `${p}: external.0: Unrecognized key: "iti38Url"`,
      `${p}: external.1.fhirBase: the MHD responder's FHIR base URL (http(s)://host[:port]/path, ITI-67 at {fhirBase}/DocumentReference)`,
      `${p}: external.2.protocol: protocol must be xca (the default: give iti38Url, iti39Url) or mhd (give fhirBase)`,
      `${p}: external.3.iti38Url: Invalid input: expected string, received undefined`,
      `${p}: external.3.iti39Url: Invalid input: expected string, received undefined`,
      `${p}: external.3: Unrecognized key: "fhirBase"`,
    ]);
  });
});

describe('sim up --mhd-gateways', () => {
  const base = { portBase: 8080, host: '127.0.0.1' };

  it('adds MHD communities after the --gateways XCA ones, in the default pack when they fit, else a generated one', () => {
    const common = {
      schemaVersion: 1,
      seed: 1,
      broker: { deadlineMs: 10_000, consumers: {} },
      external: [],
      faults: [],
    };
    expect(specFromFlags({ ...base, gateways: 2, mhdGateways: 1 })).toEqual({
      ...common,
      gateways: 2,
      mhdGateways: 1,
    });
    expect(specFromFlags({ ...base, mhdGateways: 1 })).toEqual({
      ...common,
      gateways: 3,
      mhdGateways: 1,
      dataPack: { seed: 42, communities: 4, patients: 60 },
    });
    expect(specFromFlags({ ...base, mhdGateways: 2, seed: 7 })).toEqual({
      ...common,
      gateways: 3,
      mhdGateways: 2,
      dataPack: { seed: 7, communities: 5, patients: 60 },
    });
    expect(specFromFlags({ ...base, dataPack: 'packs/x', mhdGateways: 1 })).toEqual({
      ...common,
      mhdGateways: 1,
      dataPack: 'packs/x',
    });
    expect(specFromFlags({ ...base, mhdGateways: 0 })).toEqual(common);
  });

  it('refuses a count that is not 0..200, more than 200 communities in all, and --topology with it', async () => {
    const messages = await Promise.all(
      [
        { mhdGateways: -1 },
        { mhdGateways: 1.5 },
        { gateways: 150, mhdGateways: 51 },
        { mhdGateways: 198 },
      ].map(async (o) => (await simError(() => checkDeadlineAndGateways(o))).message),
    );
    expect(messages).toEqual([
      '--mhd-gateways -1 must be a whole number from 0 to 200',
      '--mhd-gateways 1.5 must be a whole number from 0 to 200',
      '--gateways 150 and --mhd-gateways 51 make 201 communities: at most 200 in all',
      '--gateways 3 and --mhd-gateways 198 make 201 communities: at most 200 in all',
    ]);
    expect(() => checkDeadlineAndGateways({ gateways: 100, mhdGateways: 100 })).not.toThrow();
    const clash = await simError(() => checkTopologyFlags({ ...base, topology: 't.yaml', mhdGateways: 1 }));
    expect(clash.message).toBe(
      '--topology cannot be combined with --mhd-gateways: set gateways, mhdGateways and dataPack in t.yaml instead',
    );
  });
});

describe('the endpoint table', () => {
  it("gives the broker's XCA and MHD endpoints and FHIR base on a port", () => {
    expect(brokerEndpoints('https://127.0.0.1:8443')).toEqual({
      fhirBase: 'https://127.0.0.1:8443/fhir',
      endpoints: {
        'ITI-38': 'https://127.0.0.1:8443/xca/iti38',
        'ITI-39': 'https://127.0.0.1:8443/xca/iti39',
        'RAD-75': 'https://127.0.0.1:8443/xcai/rad75',
        'ITI-67': 'https://127.0.0.1:8443/fhir/DocumentReference',
        'ITI-68': 'https://127.0.0.1:8443/fhir/document',
        'WADO-RS': 'https://127.0.0.1:8443/wado-rs',
      },
    });
  });

  it("gives a simulated community's directory entry and view by what it speaks", () => {
    const who = { name: 'london-imaging-network', homeCommunityId: 'urn:oid:1.2.3.6' };
    const mhd = simulatedCommunityEndpoint(who, 'mhd', 'http://127.0.0.1:9003');
    expect(mhd).toEqual({
      ...who,
      protocol: 'mhd',
      fhirBase: 'http://127.0.0.1:9003/fhir',
      endpoints: {
        'ITI-67': 'http://127.0.0.1:9003/fhir/DocumentReference',
        'ITI-68': 'http://127.0.0.1:9003/fhir/document',
      },
    });
    expect(communityView(mhd, 'simulated')).toEqual({ ...mhd, kind: 'simulated' });
    const xca = simulatedCommunityEndpoint(who, 'xca', 'http://127.0.0.1:9001');
    expect(xca).toEqual({
      ...who,
      protocol: 'xca',
      endpoints: {
        'ITI-38': 'http://127.0.0.1:9001/xca/iti38',
        'ITI-39': 'http://127.0.0.1:9001/xca/iti39',
        'RAD-75': 'http://127.0.0.1:9001/xcai/rad75',
      },
    });
    expect(communityView(xca, 'simulated')).toEqual({ ...xca, kind: 'simulated' });
    expect(communityView({ ...who, endpoints: { 'ITI-38': 'q', 'ITI-39': 'r' } }, 'external')).toEqual({
      ...who,
      kind: 'external',
      protocol: 'xca',
      endpoints: { 'ITI-38': 'q', 'ITI-39': 'r' },
    });
  });
});
