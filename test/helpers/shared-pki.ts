/**
 * vitest globalSetup (vitest.config.ts): mints the certificate set once per `vitest run` into a
 * temporary directory and provides its path to the test files (`inject('sharedPkiDir')`), so the
 * security tests copy it instead of each generating a dozen RSA-2048 key pairs (RFC 8017) of their
 * own. Tests about minting itself still mint afresh (security-fixtures.ts `mintCertDir(..., { fresh: true })`).
 * The directory is removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureCertificateSet } from '../../simulator/security/cert-mint.js';

/** The default pack's communities: the shared set holds gateway certificates for each. */
export const COMMUNITIES = [
  'north-east-imaging-network',
  'north-west-imaging-network',
  'yorkshire-imaging-network',
];

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the run's shared certificate set (cert-layout.ts); never written to by tests. */
    sharedPkiDir: string;
  }
}

/** Mint the set (about 2 s on an idle core) and provide its directory; the returned teardown removes it. */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-shared-pki-'));
  await ensureCertificateSet(dir, { communities: COMMUNITIES });
  project.provide('sharedPkiDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
