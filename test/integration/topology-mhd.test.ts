/**
 * `sim up --gateways 2 --mhd-gateways 1` on the in-process runtime (port 0): the third community
 * of the default pack starts as a simulated MHD Document Responder whose `GET /fhir/metadata`
 * answers a CapabilityStatement, the running topology and the control API's `GET /topology` say
 * what each community speaks, and `sim status` / `sim status --json` print the broker's XCA and
 * MHD endpoints and FHIR base and each community's protocol and endpoints, whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapabilityStatement } from 'fhir/r4.js';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { statusCommand } from '../../simulator/cli/commands/status.js';
import { inProcessState, writeState, type InProcessState } from '../../simulator/cli/state.js';
import { curlFindDocuments } from '../../simulator/cli/example-request.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { topologyFromOptions } from '../../simulator/topology/resolve-topology.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { defaultPackDir } from '../helpers/topology.js';

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-topology-mhd-'));
const savedHome = process.env['NIR_SIM_HOME'];

/** What `sim <args>` writes to stdout, run in this process (statusCommand only). */
async function simStdout(...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await statusCommand(yargs(args).strict()).parseAsync();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

describe('sim up --gateways 2 --mhd-gateways 1 (in-process)', () => {
  let running: RunningTopology;
  let pack: DataPack;
  let state: InProcessState;
  beforeAll(async () => {
    process.env['NIR_SIM_HOME'] = home;
    const resolved = await topologyFromOptions({
      gateways: 2,
      mhdGateways: 1,
      portBase: 0,
      host: '127.0.0.1',
    });
    pack = resolved.pack;
    running = await startInProcess(resolved.topology, {
      logger: silentLogger(),
      faults: resolved.faults,
      control: { port: 0, seed: resolved.spec.seed },
    });
    state = inProcessState(running, {
      pid: process.pid,
      startedAt: '2026-12-03T12:00:00.000Z',
      seed: resolved.spec.seed,
    });
    writeState(state);
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    if (savedHome === undefined) delete process.env['NIR_SIM_HOME'];
    else process.env['NIR_SIM_HOME'] = savedHome;
    rmSync(home, { recursive: true, force: true });
  });

  it('starts the third community as an MHD Document Responder whose /fhir/metadata answers', async () => {
    expect(pack.dir).toBe(defaultPackDir);
    const [a, b, c] = pack.communities;
    const origin = (i: number): string =>
      new URL(Object.values(running.communities[i]!.endpoints)[0]!).origin;
    expect(running.communities).toEqual([
      {
        name: a!.name,
        homeCommunityId: a!.homeCommunityId,
        kind: 'simulated',
        protocol: 'xca',
        endpoints: {
          'ITI-38': `${origin(0)}/xca/iti38`,
          'ITI-39': `${origin(0)}/xca/iti39`,
          'RAD-75': `${origin(0)}/xcai/rad75`,
        },
      },
      {
        name: b!.name,
        homeCommunityId: b!.homeCommunityId,
        kind: 'simulated',
        protocol: 'xca',
        endpoints: {
          'ITI-38': `${origin(1)}/xca/iti38`,
          'ITI-39': `${origin(1)}/xca/iti39`,
          'RAD-75': `${origin(1)}/xcai/rad75`,
        },
      },
      {
        name: c!.name,
        homeCommunityId: c!.homeCommunityId,
        kind: 'simulated',
        protocol: 'mhd',
        fhirBase: `${origin(2)}/fhir`,
        endpoints: {
          'ITI-67': `${origin(2)}/fhir/DocumentReference`,
          'ITI-68': `${origin(2)}/fhir/document`,
        },
      },
    ]);
    const mhd = running.communities[2]!;
    if (mhd.protocol !== 'mhd') throw new Error('the third community speaks MHD');
    const res = await fetch(`${mhd.fhirBase}/metadata`, { headers: { accept: 'application/fhir+json' } });
    expect([res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([
      200,
      'application/fhir+json',
    ]);
    const capability = (await res.json()) as CapabilityStatement;
    expect([capability.resourceType, capability.fhirVersion, capability.kind]).toEqual([
      'CapabilityStatement',
      '4.0.1',
      'instance',
    ]);
    // The XCA communities are untouched: the MHD path is not theirs.
    expect((await fetch(`${origin(0)}/fhir/metadata`)).status).toBe(404);
  });

  it("lists the protocols in the control API's GET /topology", async () => {
    const t = (await (await fetch(`${running.control!.url}/topology`)).json()) as {
      broker: unknown;
      communities: { name: string; protocol: string; down: boolean }[];
    };
    expect(t.broker).toEqual(running.broker);
    expect(t.communities.map((c) => [c.name, c.protocol, c.down])).toEqual(
      pack.communities.map((c, i) => [c.name, i === 2 ? 'mhd' : 'xca', false]),
    );
  });

  it('sim status --json: the broker with its FHIR base and six endpoints, each community with its protocol', async () => {
    const out = JSON.parse(await simStdout('status', '--json')) as unknown;
    const url = running.broker.url;
    expect(out).toEqual({
      pid: process.pid,
      startedAt: '2026-12-03T12:00:00.000Z',
      runtime: 'in-process',
      broker: {
        url,
        fhirBase: `${url}/fhir`,
        endpoints: {
          'ITI-38': `${url}/xca/iti38`,
          'ITI-39': `${url}/xca/iti39`,
          'RAD-75': `${url}/xcai/rad75`,
          'ITI-67': `${url}/fhir/DocumentReference`,
          'ITI-68': `${url}/fhir/document`,
          'WADO-RS': `${url}/wado-rs`,
        },
        deadlineMs: 10_000,
        consumers: {},
      },
      communities: running.communities,
      dataPackDir: defaultPackDir,
      control: running.control,
      seed: 1,
      activeFaults: 0,
      dashboard: `${running.control!.url}/ui/`,
    });
  });

  it('sim status: the endpoints with how each is called, and each community with what it speaks', async () => {
    const url = running.broker.url;
    const c = running.communities;
    const at = (i: number): string => {
      const x = c[i]!;
      return x.protocol === 'mhd' ? `MHD ${x.fhirBase}` : `XCA ${x.endpoints['ITI-38']}`;
    };
    const nhs = pack.manifest.examples.inAllCommunities!;
    expect((await simStdout('status')).split('\n')).toEqual([
      `nir-sim is up (pid ${process.pid}, in-process runtime)`,
      '',
      `Broker (sandbox port, open access): ${url}`,
      `  ITI-38  POST ${url}/xca/iti38`,
      `  ITI-39  POST ${url}/xca/iti39`,
      `  RAD-75  POST ${url}/xcai/rad75`,
      `  ITI-67  GET  ${url}/fhir/DocumentReference?patient.identifier=...&status=current (or POST ${url}/fhir/DocumentReference/_search)`,
      `  ITI-68  GET  ${url}/fhir/document?homeCommunityId=..&repositoryUniqueId=..&uniqueId=.. (attachment.url)`,
      `  WADO-RS GET  ${url}/wado-rs/{homeCommunityId}/studies/{studyInstanceUid}`,
      `  FHIR base (MHD, GET ${url}/fhir/metadata): ${url}/fhir`,
      'Broker integration port: off (npm run sim certs generate, then start again: mTLS + signed XUA)',
      '',
      'Communities (XCA responding gateways, MHD Document Responders):',
      ...c.map((x, i) => `  ${x.name.padEnd(34)} ${x.homeCommunityId.padEnd(40)} ${at(i)}`),
      '',
      `Control API (faults, transactions log): ${running.control!.url}`,
      '  faults active: 0 (npm run sim fault list; add with npm run sim fault add)',
      `  GET ${running.control!.url}/transactions   every consumer request with its community legs`,
      `Dashboard (topology, faults, live transactions): ${running.control!.url}/ui/`,
      '',
      `Data pack: ${defaultPackDir} (patients.csv lists every patient)`,
      '',
      `Try it: FindDocuments for patient ${nhs}, known to every community:`,
      '',
      ...curlFindDocuments(nhs, `${url}/xca/iti38`).split('\n'),
      '',
      '',
    ]);
  });
});
