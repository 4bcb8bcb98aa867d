/**
 * `sim certs generate [--force]`: mint the certificate set (NIR, supplier, one regional network CA
 * per community, negative material, CRLs) into `certs/out/` (layout: certs/README.md).
 * Idempotent: existing material is kept, missing material is minted, stale CRLs are re-issued.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { PackManifest } from '../../data-pack/pack-format.js';
import { ensureCertificateSet } from '../../security/cert-mint.js';
import { NirFiles, SupplierFiles } from '../../security/cert-layout.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { defaultCertsDir } from '../../runtime/security-runtime.js';
import { defaultDataPackDir } from '../../shared/sim-paths.js';

/** The community names of a data pack (its pack.json). @throws SimError SIM_ERR_DATA_PACK_MISSING. */
async function packCommunities(dir: string): Promise<string[]> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, 'pack.json'), 'utf8')) as PackManifest;
    return m.communities.map((c) => c.name);
  } catch (err) {
    throw new SimError(
      SimErrorCode.DataPackMissing,
      `cannot read the communities of data pack ${dir} (${(err as Error).message}): pass --data-pack with a pack directory`,
    );
  }
}

/** Register `certs generate`. */
export function certsCommand(y: Argv): Argv {
  return y.command(
    'certs <action>',
    'certificates for mTLS and signed XUA assertions: generate',
    (a) =>
      a
        .positional('action', { choices: ['generate'] as const, demandOption: true })
        .option('out', { type: 'string', describe: 'output directory (default: certs/out)' })
        .option('data-pack', {
          type: 'string',
          describe:
            'mint gateway certificates for the communities of this pack (default: data-packs/default)',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'remove what exists and mint everything anew',
        }),
    async (argv) => {
      const out = path.resolve(argv.out ?? defaultCertsDir());
      const communities = await packCommunities(path.resolve(argv['data-pack'] ?? defaultDataPackDir));
      const r = await ensureCertificateSet(out, { communities, force: argv.force });
      const rel = (f: string): string => path.relative(process.cwd(), path.join(out, f)) || '.';
      const lines = [
        r.minted.length === 0 && r.refreshedCrls.length === 0
          ? `certificates in ${rel('')} are up to date (add --force to re-mint)`
          : `certificates in ${rel('')}: ${r.minted.length} files minted, ${r.refreshedCrls.length} CRLs re-issued`,
        `  communities: ${r.communities.join(', ')}`,
        `  trust the broker's server certificate:  ${rel(NirFiles.rootCa)}`,
        `  present as a supplier (mTLS):           ${rel(SupplierFiles.client)} + ${rel(SupplierFiles.clientKey)}`,
        `  sign XUA assertions:                    ${rel(SupplierFiles.signing)} + ${rel(SupplierFiles.signingKey)}`,
        `  layout and negative material: certs/README.md`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    },
  );
}
