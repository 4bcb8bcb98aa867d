/** What `sim up` prints once everything listens: endpoints, communities, a curl to paste. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SimState } from './state.js';
import { curlFindDocuments } from './example-request.js';

/** Print the running topology and a ready-to-paste query for a patient known to every community. */
export function printBanner(s: SimState): void {
  const out: string[] = [];
  out.push(`nir-sim is up (pid ${s.pid}, in-process runtime)`);
  out.push('');
  out.push(`Broker (sandbox port, open access): ${s.broker.url}`);
  for (const [t, url] of Object.entries(s.broker.endpoints)) out.push(`  ${t.padEnd(7)} POST ${url}`);
  out.push('');
  out.push('Communities (simulated XCA responding gateways):');
  for (const c of s.communities)
    out.push(`  ${c.name.padEnd(34)} ${c.homeCommunityId.padEnd(40)} ${c.endpoints['ITI-38'] ?? ''}`);
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
