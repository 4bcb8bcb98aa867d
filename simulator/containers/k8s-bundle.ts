/**
 * Files carried in a ConfigMap or a Secret (a host data pack, the certificate set) for the
 * Kubernetes manifests (k8s-objects.ts). Their keys are flat (Kubernetes API, ConfigMap/Secret
 * `data`: keys match `[-._a-zA-Z0-9]+`, at most 253 characters), so a file's relative path is
 * its key with `/` written as `__`, and the volume's `items` put each key back at its path. Both
 * kinds of object hold at most 1 MiB (Kubernetes docs, "ConfigMaps": "The data stored in a
 * ConfigMap cannot exceed 1 MiB"; the API server's MaxSecretSize is the same), counted as the
 * API server counts it: the bytes of every value (binary ones before base64). Pure: no I/O.
 */
import { SimError, SimErrorCode } from '../shared/errors.js';
import {
  NirFiles,
  SupplierFiles,
  communityFiles,
  type CommunityCertVariant,
} from '../security/cert-layout.js';
import type { K8sKeyToPath } from './k8s-types.js';

/** One file: its path relative to the directory it came from (`/` separators) and its bytes. */
export interface BundleFile {
  path: string;
  data: Uint8Array;
}

/** Most bytes a ConfigMap or Secret holds (Kubernetes API: 1 MiB). */
export const MAX_OBJECT_DATA_BYTES = 1024 * 1024;

/** The API's pattern for a ConfigMap or Secret key, and its longest key. */
const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY = 253;

/**
 * The flat key of a relative path: `communities/north/entries.json` is
 * `communities__north__entries.json`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the key would not be a valid key (a character
 *   outside `[-._a-zA-Z0-9/]`, or longer than 253).
 */
export function flatKey(relPath: string): string {
  const key = relPath.split('/').join('__');
  if (!KEY.test(key) || key.length > MAX_KEY)
    throw new SimError(
      SimErrorCode.BadArgument,
      `file ${relPath} cannot be a ConfigMap or Secret key (letters, digits, '-', '.', '_' and '/' only, 253 characters at most): rename it, or bake the data pack into an image`,
    );
  return key;
}

/** The `items` of a volume that puts each key of `paths` back at its relative path, sorted by path. */
export function volumeItems(paths: readonly string[]): K8sKeyToPath[] {
  return [...paths].sort().map((p) => ({ key: flatKey(p), path: p }));
}

/**
 * `files` as `data` (UTF-8 text) and `binaryData` (base64) of a ConfigMap, keys sorted.
 * @param what what the files are, for the error (e.g. `data pack /srv/pack`).
 * @param fix what the user can do instead, for the error.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when two paths give one key, or the bytes exceed 1 MiB.
 */
export function configMapData(
  files: readonly BundleFile[],
  what: string,
  fix: string,
): { data?: Record<string, string>; binaryData?: Record<string, string> } {
  checkBundle(files, what, fix);
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const f of sorted(files)) {
    const text = utf8(f.data);
    if (text !== undefined) data[flatKey(f.path)] = text;
    else binaryData[flatKey(f.path)] = Buffer.from(f.data).toString('base64');
  }
  return {
    ...(Object.keys(data).length > 0 ? { data } : {}),
    ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
  };
}

/**
 * `files` as a Secret's `data` (every value base64, Kubernetes API Secret), keys sorted.
 * @throws SimError SIM_ERR_BAD_ARGUMENT as {@link configMapData}.
 */
export function secretData(files: readonly BundleFile[], what: string, fix: string): Record<string, string> {
  checkBundle(files, what, fix);
  return Object.fromEntries(
    sorted(files).map((f) => [flatKey(f.path), Buffer.from(f.data).toString('base64')]),
  );
}

/**
 * @throws SimError SIM_ERR_BAD_ARGUMENT when two paths give one key or the bytes exceed
 *   {@link MAX_OBJECT_DATA_BYTES}.
 */
function checkBundle(files: readonly BundleFile[], what: string, fix: string): void {
  const seen = new Map<string, string>();
  for (const f of files) {
    const key = flatKey(f.path);
    const other = seen.get(key);
    if (other !== undefined)
      throw new SimError(
        SimErrorCode.BadArgument,
        `${what}: files ${other} and ${f.path} would share the key ${key}: rename one`,
      );
    seen.set(key, f.path);
  }
  const bytes = files.reduce((n, f) => n + f.data.byteLength, 0);
  if (bytes > MAX_OBJECT_DATA_BYTES)
    throw new SimError(
      SimErrorCode.BadArgument,
      `${what} holds ${bytes} bytes in ${files.length} files: more than a Kubernetes ConfigMap or Secret can hold (1 MiB = ${MAX_OBJECT_DATA_BYTES} bytes); ${fix}`,
    );
}

function sorted(files: readonly BundleFile[]): BundleFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The text of `bytes` when they are UTF-8 without NUL (what a ConfigMap's `data` holds), else undefined. */
function utf8(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Every server certificate variant a gateway may present (the good one and the cert-* faults'). */
const VARIANTS: readonly CommunityCertVariant[] = ['good', 'expired', 'revoked', 'untrusted'];

/**
 * The files of a certificate set (certs/README.md layout) a role reads with `--certs-dir`
 * (security/cert-layout.ts loadSecurityMaterial): the NIR root CA and CRL, the broker's server,
 * client and signing pairs, the supplier root CA, CRLs and signing certificate, and for each of
 * `communities` its CA, CRL and server pairs. No CA's private key: the pods never mint.
 */
export function runtimeCertFiles(communities: readonly string[]): string[] {
  const nir = [
    NirFiles.rootCa,
    NirFiles.rootCrl,
    NirFiles.brokerServer,
    NirFiles.brokerServerKey,
    NirFiles.brokerClient,
    NirFiles.brokerClientKey,
    NirFiles.signing,
    NirFiles.signingKey,
  ];
  const supplier = [
    SupplierFiles.rootCa,
    SupplierFiles.rootCrl,
    SupplierFiles.intermediateCrl,
    SupplierFiles.signing,
  ];
  const perCommunity = communities.flatMap((name) => {
    const f = communityFiles(name);
    return [f.ca, f.crl, ...VARIANTS.flatMap((v) => [f.server(v).cert, f.server(v).key])];
  });
  return [...nir, ...supplier, ...perCommunity].sort();
}
