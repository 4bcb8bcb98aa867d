/**
 * Reading the shared reference examples (`../shared/reference`, see its SOURCES.md) and turning
 * them into sendable messages: NIST XDS Toolkit placeholder filling, wrapping body-only fragments in
 * a SOAP 1.2 + WS-Addressing envelope, and unpacking the root part of a raw MTOM capture.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { requireReferenceDir } from './repo-root.js';

function resolveInside(relPath: string): string {
  const base = requireReferenceDir();
  const abs = path.resolve(base, relPath);
  const rel = path.relative(base, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`reference path "${relPath}" does not name a file inside ${base}`);
  }
  return abs;
}

/** The text (UTF-8) of a file under the reference directory, e.g. `examples/ITI-38/...xml`. */
export function readReference(relPath: string): string {
  return readFileSync(resolveInside(relPath), 'utf8');
}

/** The raw bytes of a reference file: use for captures whose bytes matter (MTOM, encodings). */
export function readReferenceBytes(relPath: string): Buffer {
  return readFileSync(resolveInside(relPath));
}

/**
 * Every NIST XDS Toolkit symbol used by the ITI-38/ITI-39 reference templates and test plans, with
 * what to fill it with. The toolkit substitutes symbols by plain string replacement; most are
 * written `$name$`, but test 12307 declares `useAs="$home"` and its query writes `home="$home"`, so
 * the bare `$home` is a real symbol too (accepted here under the key `home`).
 */
export const NIST_PLACEHOLDERS = {
  patient_id: "patient id as CX, unescaped: '9999999484^^^&2.16.840.1.113883.2.1.4.1&ISO' without quotes",
  home: 'homeCommunityId of the community holding the data, urn:oid:...',
  docuid: 'DocumentEntry uniqueId to retrieve (ITI-39 DocumentUniqueId)',
  docuid1: 'first DocumentUniqueId of a two-document retrieve',
  docuid2: 'second DocumentUniqueId of a two-document retrieve',
  repositoryuid: 'repositoryUniqueId holding the document(s) (ITI-39 RepositoryUniqueId)',
  doc_uuid_1: 'entryUUID (urn:uuid:...) of a DocumentEntry, for GetDocuments',
  doc_uuid_2: 'second entryUUID for GetDocuments',
  refId0: 'referenceIdList CXi value, e.g. accession^^^&OID&ISO^urn:ihe:iti:xds:2013:accession',
  refId1: 'second referenceIdList CXi value',
  refId2: 'third referenceIdList CXi value',
  // The following appear only in NIST test plans as report names (values the toolkit captures).
  testdata_home: 'test plan report: homeCommunityId the data was registered under',
  doc_uid_1: 'test plan report: uniqueId of the first returned DocumentEntry',
  repositoryUniqueId: 'test plan report: repositoryUniqueId of the first returned DocumentEntry',
  mimeType: 'test plan report: mimeType of the first returned DocumentEntry',
  patientid: 'test plan report: patient id sent in the query, quotes removed',
} as const;

/** Symbols NIST writes without the closing `$` (see {@link NIST_PLACEHOLDERS}). */
const UNTERMINATED = ['home'] as const;

const PLACEHOLDER_RE = new RegExp(
  `\\$([A-Za-z_][A-Za-z0-9_]*)\\$|\\$(${UNTERMINATED.join('|')})(?![A-Za-z0-9_$])`,
  'g',
);

/**
 * The placeholder tokens in `text`, as written (`$home$`, `$home`, `$patient_id$`...), each once, in
 * order of first appearance. Stored-query parameter names such as `$XDSDocumentEntryPatientId` are
 * not placeholders: they have no closing `$`.
 */
export function listPlaceholders(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_RE)) seen.add(m[0]);
  return [...seen];
}

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

interface FillOptions {
  /** XML-escape the values (default true: CX ids contain `&`, which must become `&amp;`). */
  escape?: boolean;
  /** Leave placeholders without a value in place instead of throwing (default false). */
  allowUnfilled?: boolean;
}

/**
 * Replace NIST toolkit placeholders in `xml`. Keys are the symbol names with or without the dollar
 * signs (`patient_id` or `$patient_id$`); a `home` value also fills the bare `$home` of test 12307.
 * Values are raw text and are XML-escaped unless `escape: false`.
 * @throws Error listing every placeholder left without a value (unless `allowUnfilled`).
 */
export function fillPlaceholders(
  xml: string,
  values: Record<string, string>,
  options: FillOptions = {},
): string {
  const { escape = true, allowUnfilled = false } = options;
  const byName = new Map<string, string>();
  for (const [k, v] of Object.entries(values)) byName.set(k.replace(/^\$/, '').replace(/\$$/, ''), v);
  const missing = new Set<string>();
  const out = xml.replace(
    PLACEHOLDER_RE,
    (token: string, closed: string | undefined, bare: string | undefined) => {
      const name = closed ?? bare ?? '';
      const value = byName.get(name);
      if (value === undefined) {
        missing.add(token);
        return token;
      }
      return escape ? escapeXml(value) : value;
    },
  );
  if (missing.size > 0 && !allowUnfilled) {
    throw new Error(
      `fillPlaceholders: no value for ${[...missing].join(', ')} (known symbols: ${Object.keys(NIST_PLACEHOLDERS).join(', ')})`,
    );
  }
  return out;
}

/** SOAP 1.2 and WS-Addressing 1.0 namespaces and the XCA request actions (ITI TF-2 3.38.4.1.2, 3.39.4.1.2). */
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const WSA_NS = 'http://www.w3.org/2005/08/addressing';
const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
const ACTION_BY_BODY: Readonly<Record<string, string>> = {
  AdhocQueryRequest: 'urn:ihe:iti:2007:CrossGatewayQuery',
  RetrieveDocumentSetRequest: 'urn:ihe:iti:2007:CrossGatewayRetrieve',
};

interface EnvelopeOptions {
  /** wsa:Action; defaults from the body root (AdhocQueryRequest, RetrieveDocumentSetRequest). */
  action?: string;
  /** wsa:MessageID; default a fresh `urn:uuid:`. */
  messageId?: string;
  /** wsa:To (sent with mustUnderstand="1" as in the IHE samples); omitted when not given. */
  to?: string;
}

/**
 * Wrap a body-only fragment (AdhocQueryRequest / RetrieveDocumentSetRequest, as in the NIST testkit
 * templates) in a SOAP 1.2 envelope with the synchronous WS-Addressing headers of ITI TF-2 Appendix V:
 * Action and To marked mustUnderstand, MessageID, anonymous ReplyTo. The XML declaration is dropped.
 */
export function wrapInSoapEnvelope(body: string, options: EnvelopeOptions = {}): string {
  const fragment = body
    .replace(/^\uFEFF/, '')
    .replace(/^\s*<\?xml[^?]*\?>/, '')
    .trim();
  const root = /^(?:<!--[\s\S]*?-->\s*)*<(?:[\w.-]+:)?([\w.-]+)/.exec(fragment)?.[1];
  const action = options.action ?? (root === undefined ? undefined : ACTION_BY_BODY[root]);
  if (action === undefined)
    throw new Error(`wrapInSoapEnvelope: no action given and none known for body root <${root ?? '?'}>`);
  const to =
    options.to === undefined ? '' : `\n    <a:To s:mustUnderstand="1">${escapeXml(options.to)}</a:To>`;
  return `<s:Envelope xmlns:s="${SOAP12_NS}" xmlns:a="${WSA_NS}">
  <s:Header>
    <a:Action s:mustUnderstand="1">${escapeXml(action)}</a:Action>
    <a:MessageID>${escapeXml(options.messageId ?? `urn:uuid:${randomUUID()}`)}</a:MessageID>
    <a:ReplyTo><a:Address>${WSA_ANONYMOUS}</a:Address></a:ReplyTo>${to}
  </s:Header>
  <s:Body>
${fragment}
  </s:Body>
</s:Envelope>
`;
}

/** The root (SOAP) part of a raw multipart/related MTOM capture that lacks its HTTP headers. */
interface MtomRootPart {
  /** Boundary, without the leading `--`. */
  boundary: string;
  /** Content-ID of the root part, with its angle brackets as written. */
  contentId: string;
  /** Content-Type of the root part (application/xop+xml; ... type="application/soap+xml"). */
  contentType: string;
  /** The root part's bytes: the SOAP envelope, exactly as captured (encoding untouched). */
  xml: Buffer;
  /**
   * The HTTP Content-Type to send the capture with (ITI TF-2 Appendix V / SOAP 1.2 MTOM):
   * multipart/related with type, boundary, start and start-info.
   */
  httpContentType: string;
}

/**
 * Split the first part out of an MTOM capture such as `examples/ITI-39/nhn-xcads_..._Axis2.txt`.
 * Works on bytes (latin1 view keeps offsets exact) and accepts LF or CRLF line ends.
 */
export function mtomRootPart(raw: Buffer): MtomRootPart {
  const text = raw.toString('latin1');
  const first = /^(?:\r?\n)*--([^\r\n]+)\r?\n/.exec(text);
  if (!first?.[1]) throw new Error('mtomRootPart: capture does not start with a MIME boundary line');
  const boundary = first[1].trimEnd();
  const headerEnd = /\r?\n\r?\n/.exec(text.slice(first[0].length));
  if (!headerEnd) throw new Error('mtomRootPart: no blank line after the root part headers');
  const headerText = text.slice(first[0].length, first[0].length + headerEnd.index);
  const headers = new Map<string, string>();
  for (const line of headerText.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const start = first[0].length + headerEnd.index + headerEnd[0].length;
  const next = new RegExp(`\\r?\\n--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(
    text.slice(start),
  );
  if (!next) throw new Error('mtomRootPart: root part is not terminated by the boundary');
  const contentId = headers.get('content-id') ?? '';
  return {
    boundary,
    contentId,
    contentType: headers.get('content-type') ?? '',
    xml: raw.subarray(start, start + next.index),
    httpContentType:
      `multipart/related; type="application/xop+xml"; boundary="${boundary}"; ` +
      `start="${contentId}"; start-info="application/soap+xml"`,
  };
}
