/**
 * What `sim up` prints once everything listens (either runtime): endpoints, communities, a curl to
 * paste; for the docker runtime also the project, the engine and the containers' states.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SimState } from './state.js';
import { curlFindDocuments } from './example-request.js';
import { deadLettersOnDisk, queueDepthOnDisk } from '../audit/durable-queue.js';

/** The web dashboard a control API at `controlUrl` serves (docs/dashboard.md). */
export const dashboardUrl = (controlUrl: string): string => `${controlUrl}/ui/`;

/** A container of the docker runtime as the engine reports it now (containers/docker-project.ts). */
export interface BannerContainer {
  name: string;
  role: string;
  state: string;
  health: string;
}

/**
 * Print the running topology and a ready-to-paste query for a patient known to every community.
 * @param activeFaults faults configured now (from the control API), when known.
 * @param containers the docker runtime's containers as the engine reports them, when asked.
 */
export function printBanner(s: SimState, activeFaults?: number, containers?: BannerContainer[]): void {
  const out: string[] = [];
  out.push(...headerLines(s, containers));
  out.push('');
  out.push(`Broker (sandbox port, open access): ${s.broker.url}`);
  out.push(...endpointLines(s.broker));
  out.push(...integrationLines(s));
  out.push('');
  out.push('Communities (XCA responding gateways, MHD Document Responders):');
  for (const c of s.communities) out.push(communityLine(c));
  if (s.control !== undefined) {
    out.push('');
    out.push(`Control API (faults, transactions log): ${s.control.url}`);
    const count = activeFaults === undefined ? 'unknown' : String(activeFaults);
    out.push(`  faults active: ${count} (npm run sim fault list; add with npm run sim fault add)`);
    out.push(`  GET ${s.control.url}/transactions   every consumer request with its community legs`);
    out.push(`Dashboard (topology, faults, live transactions): ${dashboardUrl(s.control.url)}`);
  }
  if (s.pars !== undefined) {
    out.push('');
    out.push(`PARS (audit, FHIR R4): ${s.pars.url}/FHIR/R4/AuditEvent`);
    if (s.runtime === 'in-process') {
      out.push(
        `  queued for PARS: ${queueDepthOnDisk(s.pars.queueDir)}; this run's audit file: ${s.pars.auditFile}`,
      );
      const refused = deadLettersOnDisk(s.pars.queueDir);
      if (refused > 0)
        out.push(
          `  REFUSED by PARS and dead-lettered: ${refused} (see ${path.join(s.pars.queueDir, 'rejected.ndjson')})`,
        );
    } else
      out.push(
        `  records and the broker's audit trail in the volumes ${s.docker.volumes.join(', ') || '(none)'}`,
      );
    out.push('  reports: npm run sim audit report -- --patient <nhs number> | --user <id>');
  }
  if (s.topologyFile !== undefined) out.push(`\nTopology file: ${s.topologyFile}`);
  if (s.dataPackDir !== undefined)
    out.push(`\nData pack: ${s.dataPackDir} (patients.csv lists every patient)`);
  const nhs = s.dataPackDir !== undefined ? patientKnownEverywhere(s.dataPackDir) : undefined;
  if (nhs !== undefined && s.broker.endpoints['ITI-38'] !== undefined) {
    out.push(`\nTry it: FindDocuments for patient ${nhs}, known to every community:\n`);
    out.push(curlFindDocuments(nhs, s.broker.endpoints['ITI-38']));
  }
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
}

/** Which runtime runs it; for docker, each container's state and health (when the engine was asked). */
function headerLines(s: SimState, containers: BannerContainer[] | undefined): string[] {
  if (s.runtime === 'in-process') return [`nir-sim is up (pid ${s.pid}, in-process runtime)`];
  const d = s.docker;
  const out = [
    `nir-sim is up (docker runtime: project ${d.project}, image ${d.image}, network ${d.network})`,
    `Container engine: ${d.engine}; stop with npm run sim down -- --runtime docker`,
  ];
  if (containers === undefined) return out;
  out.push('Containers:');
  if (containers.length === 0)
    out.push('  none: the engine has no container of this project (npm run sim down -- --runtime docker)');
  for (const c of containers)
    out.push(`  ${c.name.padEnd(40)} ${c.role.padEnd(8)} ${c.state.padEnd(10)} health: ${c.health}`);
  return out;
}

/**
 * How each broker transaction is called (ITI TF-2 3.38/3.39 and RAD TF-3 4.75: SOAP POST; IHE MHD
 * 3.67/3.68: GET, ITI-67 also POST `_search`; DICOM PS3.18 10.4.1: GET per study).
 */
const CALLS: Record<string, (url: string) => string> = {
  'ITI-67': (url) => `GET  ${url}?patient.identifier=...&status=current (or POST ${url}/_search)`,
  'ITI-68': (url) => `GET  ${url}?homeCommunityId=..&repositoryUniqueId=..&uniqueId=.. (attachment.url)`,
  'WADO-RS': (url) => `GET  ${url}/{homeCommunityId}/studies/{studyInstanceUid}`,
};

/** One line per endpoint of a broker port, with its FHIR base when it has one. */
function endpointLines(port: { fhirBase?: string; endpoints: Record<string, string> }): string[] {
  return [
    ...Object.entries(port.endpoints).map(
      ([t, url]) => `  ${t.padEnd(7)} ${CALLS[t]?.(url) ?? `POST ${url}`}`,
    ),
    ...(port.fhirBase !== undefined
      ? [`  FHIR base (MHD, GET ${port.fhirBase}/metadata): ${port.fhirBase}`]
      : []),
  ];
}

/** A community: name, homeCommunityId, and its ITI-38 URL (XCA) or FHIR base (MHD). */
function communityLine(c: SimState['communities'][number]): string {
  const at =
    c.protocol === 'mhd'
      ? `MHD ${c.fhirBase ?? c.endpoints['ITI-67'] ?? ''}`
      : `XCA ${c.endpoints['ITI-38'] ?? ''}`;
  return `  ${c.name.padEnd(34)} ${c.homeCommunityId.padEnd(40)} ${at}`;
}

/**
 * The integration port (mTLS + signed XUA, docs/security.md) and what to present to it; or how to
 * turn it on.
 */
function integrationLines(s: SimState): string[] {
  const i = s.broker.integration;
  if (i === undefined && s.runtime === 'docker')
    return [
      'Broker integration port: off (start with npm run sim up -- --runtime docker --security: mTLS + signed XUA)',
    ];
  if (i === undefined)
    return ['Broker integration port: off (npm run sim certs generate, then start again: mTLS + signed XUA)'];
  return [
    `Broker (integration port, mutual TLS + signed XUA assertion): ${i.url}`,
    ...endpointLines(i),
    '  present certs/out/supplier/client.pem + client.key, trust certs/out/nir/root-ca.pem;',
    '  wsse:Security header: npm run sim saml issue -- --patient <nhs number> --header (docs/security.md)',
    '  FHIR (ITI-67, ITI-68, WADO-RS): Authorization: Bearer <npm run sim token issue -- --patient <nhs number>>',
  ];
}

/** The pack's documented example of a patient known to every community (pack.json `examples`). */
function patientKnownEverywhere(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'pack.json'), 'utf8')) as {
      examples?: { inAllCommunities?: string };
    };
    return manifest.examples?.inAllCommunities;
  } catch {
    return undefined;
  }
}
