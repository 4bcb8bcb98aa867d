/**
 * Topology resolution (simulator/topology/resolve-topology.ts) and `sim up` flags to spec
 * (topology-from-options.ts): the pack and its first `gateways` communities, ports, external
 * communities, consumer profiles by name or homeCommunityId, faults with every problem at once,
 * and topology files with every problem in one line.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTopology } from './resolve-topology.js';
import { loadTopologyFile } from './topology-file.js';
import { specFromFlags, specFromOptions } from './topology-from-options.js';
import { loadDataPack, type DataPack } from '../data-pack/loader.js';
import { parseTopologySpec, type TopologySpec } from './topology-spec.js';
import { SimError } from '../shared/errors.js';
import { docExample } from '../../test/helpers/docs.js';
import { defaultPackDir, repoDir } from '../../test/helpers/topology.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'nir-sim-resolve-'));
const opts = { baseDir: repoDir, host: '127.0.0.1', portBase: 0 };
const savedHome = process.env['NIR_SIM_HOME'];
process.env['NIR_SIM_HOME'] = tmp;
afterAll(() => {
  if (savedHome === undefined) delete process.env['NIR_SIM_HOME'];
  else process.env['NIR_SIM_HOME'] = savedHome;
  rmSync(tmp, { recursive: true, force: true });
});

function spec(input: Record<string, unknown>): TopologySpec {
  const r = parseTopologySpec({ schemaVersion: 1, ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.spec;
}

/** The SimError a promise rejects with (fails the test when it resolves). */
async function simError(p: Promise<unknown>): Promise<SimError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SimError);
  return err as SimError;
}

const ext = {
  name: 'supplier-gateway',
  homeCommunityId: 'urn:oid:1.2.826.0.1.999.1',
  iti38Url: 'http://127.0.0.1:7001/xca/iti38',
  iti39Url: 'http://127.0.0.1:7001/xca/iti39',
};

describe('resolveTopology', () => {
  let pack: DataPack;
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
  });

  it('takes the first `gateways` communities of the pack, then the external ones, with ports from portBase', async () => {
    const r = await resolveTopology(spec({ gateways: 2, external: [ext], broker: { deadlineMs: 750 } }), {
      ...opts,
      portBase: 18080,
    });
    expect(r.pack.dir).toBe(defaultPackDir);
    expect(r.topology.dataPackDir).toBe(defaultPackDir);
    expect(r.topology.broker).toEqual({ port: 18080, deadlineMs: 750 });
    expect(
      r.topology.communities.map((c) => (c.kind === 'simulated' ? [c.store.name, c.port] : [c.name, c])),
    ).toEqual([
      [pack.communities[0]!.name, 19001],
      [pack.communities[1]!.name, 19002],
      ['supplier-gateway', { kind: 'external', ...ext }],
    ]);
    const zero = await resolveTopology(spec({}), opts);
    expect(zero.topology.communities.map((c) => (c.kind === 'simulated' ? c.port : -1))).toEqual([0, 0, 0]);
  });

  it('maps consumer profile entries given as names or homeCommunityIds to homeCommunityIds', async () => {
    const [a, b, c] = pack.communities;
    const r = await resolveTopology(
      spec({
        external: [ext],
        broker: {
          consumers: {
            'gp-system': { include: [a!.name, b!.homeCommunityId, 'supplier-gateway'] },
            'ed-system': { exclude: [c!.name] },
          },
        },
      }),
      opts,
    );
    expect(r.topology.broker.consumers).toEqual({
      'gp-system': { include: [a!.homeCommunityId, b!.homeCommunityId, ext.homeCommunityId] },
      'ed-system': { exclude: [c!.homeCommunityId] },
    });
  });

  it('names every unknown community of the consumer profiles in one SimError', async () => {
    const err = await simError(
      resolveTopology(
        spec({
          gateways: 2,
          broker: {
            consumers: {
              gp: { include: ['atlantis', pack.communities[0]!.name] },
              ed: { exclude: [pack.communities[2]!.name] },
            },
          },
        }),
        opts,
      ),
    );
    expect(err.code).toBe('SIM_ERR_BAD_ARGUMENT');
    expect(err.message).toBe(
      `broker.consumers.gp.include[0]: no community named or with homeCommunityId 'atlantis'; ` +
        `broker.consumers.ed.exclude[0]: no community named or with homeCommunityId '${pack.communities[2]!.name}' ` +
        `(known: ${pack.communities[0]!.name}, ${pack.communities[1]!.name})`,
    );
  });

  it('adds the faults to a store seeded from the spec, or lists every fault problem together', async () => {
    const ne = pack.communities[0]!.name;
    const ok = await resolveTopology(
      spec({ seed: 9, faults: [{ name: 'hang', gateway: ne, kind: 'timeout', transaction: 'ITI-38' }] }),
      opts,
    );
    expect(ok.faults.list()).toEqual([
      {
        fault: {
          name: 'hang',
          gateway: ne,
          kind: 'timeout',
          transaction: 'ITI-38',
          probability: 1,
          after: 0,
        },
        matched: 0,
        applied: 0,
      },
    ]);
    expect(ok.faults.isDown(ne)).toBe(false);

    const one = await simError(
      resolveTopology(spec({ faults: [{ name: 'x', gateway: 'atlantis', kind: 'refuse' }] }), opts),
    );
    expect(one.message).toBe(
      `invalid faults: faults[0].gateway: no community named 'atlantis' (known: ${pack.communities.map((c) => c.name).join(', ')})`,
    );
    const many = await simError(
      resolveTopology(
        spec({
          gateways: 1,
          external: [ext],
          faults: [
            { name: 'a', gateway: ne, kind: 'refuse' },
            { name: 'a', gateway: ne, kind: 'timeout' },
            { name: 'b', gateway: 'supplier-gateway', kind: 'timeout' },
          ],
        }),
        opts,
      ),
    );
    expect(many.code).toBe('SIM_ERR_BAD_ARGUMENT');
    expect(many.message).toBe(
      `invalid faults: faults[1].name: a fault named 'a' already exists; ` +
        `faults[2].gateway: no community named 'supplier-gateway' (known: ${ne})`,
    );
  });

  it('generates a pack described by seed, communities and patients into the state cache, once', async () => {
    const s = spec({ dataPack: { seed: 5, communities: 2, patients: 6 } });
    const r = await resolveTopology(s, opts);
    expect(r.pack.dir).toBe(path.join(tmp, 'data-packs', 'seed-5-communities-2-patients-6'));
    expect(r.pack.communities).toHaveLength(2);
    expect(r.pack.patients).toHaveLength(6);
    const written = statSync(path.join(r.pack.dir, 'pack.json')).mtimeMs;
    const again = await resolveTopology(s, opts);
    expect(again.pack.manifest).toEqual(r.pack.manifest);
    expect(statSync(path.join(r.pack.dir, 'pack.json')).mtimeMs).toBe(written);
  });

  it('resolves a relative data pack against baseDir, and reports a missing pack or too many gateways', async () => {
    const r = await resolveTopology(spec({ dataPack: 'default' }), {
      ...opts,
      baseDir: path.join(repoDir, 'data-packs'),
    });
    expect(r.pack.dir).toBe(defaultPackDir);
    const missing = await simError(
      resolveTopology(spec({ dataPack: 'no-such-pack' }), { ...opts, baseDir: tmp }),
    );
    expect(missing.code).toBe('SIM_ERR_DATA_PACK_MISSING');
    expect(missing.message).toContain(path.join(tmp, 'no-such-pack'));
    const tooMany = await simError(resolveTopology(spec({ gateways: 4 }), opts));
    expect(tooMany.message).toBe(
      `data pack ${defaultPackDir} has 3 communities, so gateways must be at most 3 (or use a generated pack with that many communities)`,
    );
    const none = await simError(resolveTopology(spec({ gateways: 0 }), opts));
    expect(none.message).toBe(
      'the topology has no community: set gateways to 1 or more, or add external communities',
    );
  });
});

describe('loadTopologyFile', () => {
  const file = (name: string, text: string): string => {
    const p = path.join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads YAML and fills the defaults', async () => {
    const p = file('ok.yaml', 'schemaVersion: 1\ngateways: 2\nbroker:\n  deadlineMs: 2000\n');
    expect(await loadTopologyFile(p)).toEqual({
      schemaVersion: 1,
      gateways: 2,
      seed: 1,
      broker: { deadlineMs: 2000, consumers: {} },
      external: [],
      faults: [],
    });
  });

  it('lists every schema problem in one SimError, each as <file>: <path>: <message>', async () => {
    const p = file(
      'bad.yaml',
      [
        'schemaVersion: 2',
        'gateways: -1',
        'extra: true',
        'broker: { deadlineMs: 0 }',
        'faults:',
        '  - { name: a, gateway: x, kind: latency }',
      ].join('\n'),
    );
    const err = await simError(loadTopologyFile(p));
    expect(err.code).toBe('SIM_ERR_BAD_ARGUMENT');
    expect(err.message).toBe(
      [
        `${p}: schemaVersion: Invalid input: expected 1`,
        `${p}: gateways: Too small: expected number to be >=0`,
        `${p}: broker.deadlineMs: Too small: expected number to be >=1`,
        `${p}: faults.0.latencyMs: Invalid input: expected number, received undefined`,
        `${p}: (topology): Unrecognized key: "extra"`,
      ].join('; '),
    );
  });

  it('reports YAML syntax errors with their line and a missing file with its path', async () => {
    const p = file('syntax.yaml', 'schemaVersion: 1\nbroker: { deadlineMs: 10\n');
    const err = await simError(loadTopologyFile(p));
    expect(err.message).toMatch(
      new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+, column \\d+: \\S`),
    );
    expect(err.message.split('\n')).toHaveLength(1);
    const missing = path.join(tmp, 'nope.yaml');
    const gone = await simError(loadTopologyFile(missing));
    expect(gone.message).toBe(`${missing}: cannot read the topology file (no such file): check the path`);
  });
});

describe("docs/topology.md's topology file example", () => {
  it('loads and resolves: 4 of 5 generated communities, the external one, the profile, the faults', async () => {
    const yaml = docExample('docs/topology.md', 'topology');
    const p = path.join(tmp, 'readme.yaml');
    writeFileSync(p, yaml);
    const r = await resolveTopology(await loadTopologyFile(p), { ...opts, baseDir: tmp });
    expect(r.pack.communities).toHaveLength(5);
    const names = r.topology.communities.map((c) => (c.kind === 'simulated' ? c.store.name : c.name));
    expect(names).toEqual([...r.pack.communities.slice(0, 4).map((c) => c.name), 'supplier-gateway']);
    const nw = r.pack.communities.find((c) => c.name === 'north-west-imaging-network')!;
    expect(r.topology.broker).toEqual({
      port: 0,
      deadlineMs: 2000,
      consumers: { 'gp-practice-system': { exclude: [nw.homeCommunityId] } },
    });
    expect(r.faults.list().map((f) => [f.fault.name, f.fault.kind, f.fault.probability])).toEqual([
      ['flaky-yorkshire', 'soap-fault', 0.5],
      ['slow-ne', 'latency', 1],
    ]);
  });
});

describe('sim up flags to a spec', () => {
  it('uses the committed default pack for the default seed and up to 3 gateways, else a generated one', () => {
    const base = { portBase: 8080, host: '127.0.0.1' };
    expect(specFromFlags(base)).toEqual({
      schemaVersion: 1,
      seed: 1,
      broker: { deadlineMs: 10_000, consumers: {} },
      external: [],
      faults: [],
    });
    expect(specFromFlags({ ...base, gateways: 2, deadlineMs: 300 })).toMatchObject({
      gateways: 2,
      broker: { deadlineMs: 300 },
    });
    expect(specFromFlags({ ...base, gateways: 2 }).dataPack).toBeUndefined();
    expect(specFromFlags({ ...base, gateways: 5 }).dataPack).toEqual({
      seed: 42,
      communities: 5,
      patients: 60,
    });
    expect(specFromFlags({ ...base, seed: 7 }).dataPack).toEqual({ seed: 7, communities: 3, patients: 60 });
    expect(specFromFlags({ ...base, dataPack: 'packs/x', gateways: 2 })).toMatchObject({
      dataPack: 'packs/x',
      gateways: 2,
    });
  });

  it('refuses --topology with --gateways, --data-pack or --seed in one line; --deadline-ms overrides the file', async () => {
    const p = path.join(tmp, 'flags.yaml');
    writeFileSync(p, 'schemaVersion: 1\nbroker:\n  deadlineMs: 2000\n');
    const err = await simError(
      specFromOptions({ topology: p, gateways: 2, seed: 3, portBase: 0, host: '127.0.0.1' }),
    );
    expect(err.message).toBe(
      `--topology cannot be combined with --gateways, --seed: set gateways, mhdGateways and dataPack in ${p} instead`,
    );
    const { spec: s, baseDir } = await specFromOptions({
      topology: p,
      deadlineMs: 123,
      portBase: 0,
      host: 'h',
    });
    expect(s.broker.deadlineMs).toBe(123);
    expect(baseDir).toBe(tmp);
  });
});
