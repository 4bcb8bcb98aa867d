/**
 * The certificate set of the container stack with security (docs/containers.md, security.md): minting what is
 * missing as the in-process `sim up --security` does (security/cert-mint.ts), checking that the
 * set carries the DNS names the containers verify (each gateway certificate its community's
 * service name, the broker's server certificate `broker`: sets minted by an older nir-sim lack
 * them), and the `uid:gid` the containers that mount the private keys run as.
 */
import 'reflect-metadata'; // before @peculiar/x509 (tsyringe needs it), as security/pki.ts does
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { defaultCertsDir } from '../runtime/security-runtime.js';
import {
  NirFiles,
  communityFiles,
  certificatesExist,
  type CommunityCertVariant,
} from '../security/cert-layout.js';
import { ensureCertificateSet } from '../security/cert-mint.js';
import { SimError, SimErrorCode } from '../shared/errors.js';

/** The broker's service name in the container stack: what a product on the network verifies. */
const BROKER_SERVICE = 'broker';

/** Every certificate a gateway may present (the good one and those of the cert-* faults). */
const VARIANTS: readonly CommunityCertVariant[] = ['good', 'expired', 'revoked', 'untrusted'];

/** The DNS names (subjectAltName dNSName, RFC 5280 4.2.1.6) of the first certificate in `pem`. */
export function certificateDnsNames(pem: string): string[] {
  const cert = new x509.X509Certificate(x509.PemConverter.decodeFirst(pem));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).filter((n) => n.type === 'dns').map((n) => n.value);
}

/**
 * What in the certificate set `dir` does not fit the container stack, one phrase per file: a
 * gateway certificate without its community's name as a DNS name, the broker's server
 * certificate without `broker`, or a file that is missing or unreadable. Empty when all is well.
 */
export function containerSanProblems(dir: string, communities: readonly string[]): string[] {
  const wanted: [string, string][] = [
    [NirFiles.brokerServer, BROKER_SERVICE],
    ...communities.flatMap((name) =>
      VARIANTS.map((v): [string, string] => [communityFiles(name).server(v).cert, name]),
    ),
  ];
  const problems: string[] = [];
  for (const [rel, dns] of wanted) {
    let names: string[];
    try {
      names = certificateDnsNames(readFileSync(path.join(dir, rel), 'utf8'));
    } catch (err) {
      problems.push(`${rel} cannot be read (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    if (!names.includes(dns)) problems.push(`${rel} has no DNS name ${dns} (it has ${names.join(', ')})`);
  }
  return problems;
}

/** The command that re-mints the set in `dir`: `npm run sim certs generate -- --force [--out DIR]`. */
function regenerateCertsCommand(dir: string): string {
  const out = path.resolve(dir) === path.resolve(defaultCertsDir()) ? '' : ` --out ${dir}`;
  return `npm run sim certs generate -- --force${out}`;
}

/**
 * @throws SimError SIM_ERR_BAD_ARGUMENT in one line when {@link containerSanProblems} finds any:
 *   the first problem, how many more, and the command that re-mints the set.
 */
export function checkContainerCertificates(dir: string, communities: readonly string[]): void {
  const problems = containerSanProblems(dir, communities);
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new SimError(
    SimErrorCode.BadArgument,
    `the certificates in ${dir} do not fit the container stack: ${problems[0]}${more}; a set minted by an older nir-sim lacks the containers' DNS names: run ${regenerateCertsCommand(dir)}`,
  );
}

/**
 * Make sure `dir` holds a certificate set for `communities` that the containers can use: mint
 * what is missing (as `sim certs generate` and the in-process `up --security` do), then check
 * the DNS names.
 * @returns how many files were minted (0: the set was reused).
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the directory cannot be written, or the set lacks
 *   the containers' DNS names ({@link checkContainerCertificates}).
 */
export async function ensureContainerCertificates(
  dir: string,
  communities: readonly string[],
): Promise<{ minted: number }> {
  let minted: number;
  try {
    minted = (await ensureCertificateSet(dir, { communities })).minted.length;
  } catch (err) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--security: cannot mint certificates into ${dir} (${(err as Error).message.split('\n')[0]}): fix the directory or run npm run sim certs generate`,
    );
  }
  checkContainerCertificates(dir, communities);
  return { minted };
}

/**
 * A note for `sim compose render --security` about the set in `dir`, which it does not mint:
 * none yet, or one without the containers' DNS names; undefined when it is ready.
 */
export function composeCertificatesNote(dir: string, communities: readonly string[]): string | undefined {
  if (!certificatesExist(dir))
    return `there is no certificate set in ${dir} yet: mint it with npm run sim certs generate before docker compose up`;
  const problems = containerSanProblems(dir, communities);
  if (problems.length === 0) return undefined;
  return `the certificates in ${dir} lack the containers' DNS names (${problems[0]}): run ${regenerateCertsCommand(dir)} before docker compose up`;
}

/**
 * The `uid:gid` the docker runtime runs the key-mounting containers as: `NIR_SIM_UID` /
 * `NIR_SIM_GID` when set (e.g. `0` for a rootless engine, where the host user is the container's
 * root), else this process's (the owner of the keys it minted); 1000 where the platform has none.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when a variable is set to anything but a whole number.
 */
export function hostUser(env: NodeJS.ProcessEnv = process.env): string {
  const id = (name: 'NIR_SIM_UID' | 'NIR_SIM_GID', own: number | undefined): string => {
    const v = env[name];
    if (v === undefined || v === '') return String(own ?? 1000);
    if (!/^\d+$/.test(v))
      throw new SimError(
        SimErrorCode.BadArgument,
        `${name}=${v} is not a numeric id: set it to a number, e.g. $(id -${name === 'NIR_SIM_UID' ? 'u' : 'g'})`,
      );
    return v;
  };
  return `${id('NIR_SIM_UID', process.getuid?.())}:${id('NIR_SIM_GID', process.getgid?.())}`;
}
