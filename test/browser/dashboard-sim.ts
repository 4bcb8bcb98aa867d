/**
 * A sim for the dashboard's browser tests and screenshots: the default pack's communities as
 * simulated gateways, the broker and the control API (with the dashboard at `/ui/`), all on free
 * ports of 127.0.0.1, in this process; and the FindDocuments query a test sends to the broker.
 */
import type { Router } from 'express';
import { request } from 'undici';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { findDocumentsEnvelope } from '../../simulator/cli/example-request.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from '../helpers/topology.js';

/** A running sim with its control API. */
export interface DashboardSim {
  running: RunningTopology;
  pack: DataPack;
  /** `http://127.0.0.1:<port>`, the control API. */
  controlUrl: string;
  /** The dashboard, `<controlUrl>/ui/`. */
  dashboardUrl: string;
  /** A patient every community of the pack holds. */
  patientEverywhere: string;
  stop(): Promise<void>;
}

/** What else a dashboard sim runs. */
export interface DashboardSimOptions {
  /** Another data pack's directory (default: the default pack). */
  packDir?: string;
  /** The audit side (pipeline files under `dir`, and the simulated PARS on a free port). */
  audit?: { dir: string };
  /** The broker's consumer profiles (`X-NIR-Consumer` -> communities by homeCommunityId). */
  consumers?: Record<string, { include?: string[]; exclude?: string[] }>;
  /** Further control API routes (e.g. the command line's scenario routes, as `sim up` mounts them). */
  routes?: Router[];
  /** Communities of the pack (by name) simulated as MHD Document Responders instead of XCA. */
  mhd?: string[];
}

/** Start the default pack with the broker's per-community deadline `deadlineMs`. */
export async function startDashboardSim(
  deadlineMs: number,
  opts: DashboardSimOptions = {},
): Promise<DashboardSim> {
  const pack = await loadDataPack(opts.packDir ?? defaultPackDir);
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs, ...(opts.consumers ? { consumers: opts.consumers } : {}) },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({
        kind: 'simulated' as const,
        store,
        port: 0,
        ...(opts.mhd?.includes(store.name) ? { protocol: 'mhd' as const } : {}),
      })),
    },
    {
      logger: silentLogger(),
      control: { port: 0, ...(opts.routes ? { routes: opts.routes } : {}) },
      ...(opts.audit ? { audit: { dir: opts.audit.dir, parsPort: 0 } } : {}),
    },
  );
  const controlUrl = running.control!.url;
  const everywhere = pack.patients.find((p) => p.homeCommunityIds.length === pack.communities.length);
  if (!everywhere) throw new Error('the default pack has no patient known to every community');
  return {
    running,
    pack,
    controlUrl,
    dashboardUrl: `${controlUrl}/ui/`,
    patientEverywhere: everywhere.nhsNumber,
    stop: () => running.stop(),
  };
}

/**
 * POST a FindDocuments (ITI-38) for `nhsNumber` to the broker (as `consumer`, `X-NIR-Consumer`, when
 * given); the HTTP status and body.
 */
export async function findDocuments(
  sim: DashboardSim,
  nhsNumber: string,
  consumer?: string,
): Promise<{ status: number; body: string }> {
  const res = await request(sim.running.broker.endpoints['ITI-38'], {
    method: 'POST',
    headers: {
      'content-type': 'application/soap+xml; charset=UTF-8',
      ...(consumer !== undefined ? { 'x-nir-consumer': consumer } : {}),
    },
    body: findDocumentsEnvelope(nhsNumber),
  });
  return { status: res.statusCode, body: await res.body.text() };
}
