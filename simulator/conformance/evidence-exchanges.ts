/**
 * The exchanges/ folder of the evidence bundle: each {@link ExchangeRecord} as its request and
 * response bodies, byte for byte as they were on the wire (`<name>.request.<ext>`,
 * `<name>.response.<ext>`, the extension from the Content-Type, RFC 9110 8.3), and `<name>.json`
 * (URL, headers, status, timing, failure, and which files hold the bodies).
 */
import { SimError, SimErrorCode } from '../shared/errors.js';
import type { ExchangeRecord, HeaderMap } from './exchange-record.js';

/** What an exchange's name may be: file-name safe on every platform, at most 200 characters. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * The file extension for a body of `contentType` (its media type, RFC 9110 8.3.1): `mime` for any
 * multipart (MTOM/XOP, RFC 2387), `xml` for XML (`application/soap+xml`, `text/xml`, `*+xml`),
 * `json` for JSON (`application/fhir+json`, `*+json`), `dcm` for DICOM (PS3.10 files, RFC 3240),
 * `pdf`, `txt` for other text, `bin` for anything else or none.
 */
export function bodyExtension(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('multipart/')) return 'mime';
  if (type.endsWith('/xml') || type.endsWith('+xml')) return 'xml';
  if (type.endsWith('/json') || type.endsWith('+json')) return 'json';
  if (type === 'application/dicom') return 'dcm';
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('text/')) return 'txt';
  return 'bin';
}

/** One body as the bundle describes it: its file (relative to the bundle) and size, bytes. */
export interface BodyFile {
  file: string;
  bodyBytes: number;
}

/** An exchange's metadata: the record without its bodies, which are in the named files. */
export interface ExchangeMetadata {
  name: string;
  checkId: string;
  transaction: ExchangeRecord['transaction'];
  url: string;
  startedAt: string;
  durationMs: number;
  request: { method: string; headers: HeaderMap } & BodyFile;
  response?: { status: number; headers: HeaderMap } & BodyFile;
  failure?: ExchangeRecord['failure'];
}

/** A file of the bundle: its path relative to the bundle (`/`-separated) and its bytes. */
export interface BundleFile {
  path: string;
  bytes: Buffer;
}

/**
 * Every exchange's metadata and files, in the run's order.
 * @throws SimError `SIM_ERR_INTERNAL` when a name is not file-name safe or is used twice (the
 *   kit names exchanges `<checkId>-<nn>-<label>`, exchange-record.ts).
 */
export function exchangeFiles(exchanges: readonly ExchangeRecord[]): {
  metadata: ExchangeMetadata[];
  files: BundleFile[];
} {
  const seen = new Set<string>();
  const metadata: ExchangeMetadata[] = [];
  const files: BundleFile[] = [];
  for (const x of exchanges) {
    if (!SAFE_NAME.test(x.name)) {
      throw new SimError(
        SimErrorCode.Internal,
        `exchange name ${JSON.stringify(x.name.slice(0, 80))} is not a safe file name (letters, digits, ".", "_", "-"; at most 200)`,
      );
    }
    if (seen.has(x.name.toLowerCase())) {
      throw new SimError(SimErrorCode.Internal, `exchange name ${x.name} is used twice in the run`);
    }
    seen.add(x.name.toLowerCase());
    const body = (side: 'request' | 'response', headers: HeaderMap, bytes: Buffer): BodyFile => {
      const file = `exchanges/${x.name}.${side}.${bodyExtension(headers['content-type'])}`;
      files.push({ path: file, bytes });
      return { file, bodyBytes: bytes.length };
    };
    const m: ExchangeMetadata = {
      name: x.name,
      checkId: x.checkId,
      transaction: x.transaction,
      url: x.url,
      startedAt: x.startedAt,
      durationMs: x.durationMs,
      request: {
        method: x.request.method,
        headers: x.request.headers,
        ...body('request', x.request.headers, x.request.body),
      },
    };
    if (x.response) {
      m.response = {
        status: x.response.status,
        headers: x.response.headers,
        ...body('response', x.response.headers, x.response.body),
      };
    }
    if (x.failure) m.failure = x.failure;
    metadata.push(m);
    files.push({ path: `exchanges/${x.name}.json`, bytes: Buffer.from(`${JSON.stringify(m, null, 2)}\n`) });
  }
  return { metadata, files };
}
