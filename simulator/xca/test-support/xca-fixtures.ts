/**
 * Shared helpers for the XCA codec tests: reference messages read from ../shared/reference at test
 * time (never copied into the project), sample DocumentEntries, and offline schema validation with
 * xmllint against the IHE schemas.
 */
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childElements, firstChild, parseXml, textOf, type Element } from '../../soap/xml.js';
import { DocumentEntryType, EntryStatus, ErrorSeverity, XcaNs } from '../constants.js';
import type { DocumentEntry } from '../document-entry-model.js';
import type { StoredQueryResult } from '../stored-query.js';
import { validateSoapEnvelopes } from '../../../test/helpers/xsd.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** `../shared/reference` relative to the repository root. */
export const REFERENCE_DIR = resolve(REPO_ROOT, '../shared/reference');
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** The text of a reference file, `rel` relative to `shared/reference/examples`. */
function readExample(rel: string): string {
  return readFileSync(join(REFERENCE_DIR, 'examples', rel), 'utf8');
}

/** The message element of a reference file: the first child of soap:Body for an envelope, else the root. */
export function exampleElement(rel: string): Element {
  const root = parseXml(readExample(rel)).documentElement!;
  if (root.namespaceURI !== SOAP12 || root.localName !== 'Envelope') return root;
  const body = firstChild(root, SOAP12, 'Body');
  const first = body ? childElements(body)[0] : undefined;
  if (!first) throw new Error(`${rel}: soap:Body has no element child`);
  return first;
}

/** The root element of `xml`. */
export function rootOf(xml: string): Element {
  return parseXml(xml).documentElement!;
}

/** Resolves an xdsb:Document holding inline base64 (the reference responses) or an xop:Include into `parts`. */
export function documentResolver(parts: ReadonlyMap<string, Buffer> = new Map()): (el: Element) => Buffer {
  return (el) => {
    const include = firstChild(el, XcaNs.xop, 'Include');
    if (!include) return Buffer.from(textOf(el), 'base64');
    const id = decodeURIComponent((include.getAttribute('href') ?? '').replace(/^cid:/, ''));
    const part = parts.get(id);
    if (!part) throw new Error(`no part ${id}`);
    return part;
  };
}

/** A full imaging (KOS manifest) DocumentEntry; `n` varies the ids. Text fields carry XML-special characters on purpose. */
export function sampleEntry(n: number): DocumentEntry {
  const uuid = `urn:uuid:7a5e3f1c-0b6d-4c1e-9f2a-00000000000${n}`;
  const nhs = '9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO';
  return {
    entryUUID: uuid,
    uniqueId: `1.2.826.0.1.3680043.10.1.${n}`,
    logicalID: uuid,
    objectType: DocumentEntryType.Stable,
    availabilityStatus: EntryStatus.Approved,
    patientId: nhs,
    sourcePatientId: nhs,
    sourcePatientInfo: [`PID-3|${nhs}`, 'PID-5|SMITH^JANE^^^', 'PID-7|19800101', 'PID-8|F'],
    title: `CT head ${n} — O'Brien & <Sons> "quoted"`,
    comments: 'Key images & report',
    classCode: { code: 'IMAGES', codingScheme: '1.3.6.1.4.1.19376.1.2.6.1', displayName: 'Images' },
    typeCode: {
      code: '18748-4',
      codingScheme: '2.16.840.1.113883.6.1',
      displayName: 'Diagnostic imaging study',
    },
    formatCode: {
      code: '1.2.840.10008.5.1.4.1.1.88.59',
      codingScheme: '1.2.840.10008.2.6.1',
      displayName: 'Key Object Selection Document',
    },
    practiceSettingCode: {
      code: '394914008',
      codingScheme: '2.16.840.1.113883.6.96',
      displayName: 'Radiology',
    },
    healthcareFacilityTypeCode: {
      code: '22232009',
      codingScheme: '2.16.840.1.113883.6.96',
      displayName: 'Hospital',
    },
    confidentialityCode: [{ code: 'N', codingScheme: '2.16.840.1.113883.5.25', displayName: 'normal' }],
    eventCodeList: [
      { code: 'CT', codingScheme: '1.2.840.10008.2.16.4', displayName: 'Computed Tomography' },
      { code: 'T-D1100', codingScheme: 'SRT', displayName: 'Head' },
    ],
    author: [
      {
        authorPerson: '^Jones^Amy^^^Dr',
        authorInstitution: ['Leeds Teaching Hospitals^^^^^^^^^RR8'],
        authorRole: ['Radiologist'],
        authorSpecialty: ['Radiology'],
      },
      { authorInstitution: ['Airedale NHS FT^^^^^^^^^RCF'] },
    ],
    creationTime: '20240301101500',
    serviceStartTime: '20240301090000',
    serviceStopTime: '20240301093000',
    languageCode: 'en-GB',
    mimeType: 'application/dicom',
    size: 123456 + n,
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    repositoryUniqueId: '1.2.826.0.1.3680043.10.2',
    homeCommunityId: 'urn:oid:1.2.826.0.1.3680043.10.100',
    referenceIdList: [
      `ACC${n}^^^&1.2.826.0.1.3680043.10.3&ISO^urn:ihe:iti:xds:2013:accession`,
      `1.2.826.0.1.3680043.10.4.${n}^^^^urn:ihe:iti:xds:2016:studyInstanceUID`,
    ],
    version: '1',
  };
}

/** Throws a clear message when xmllint is not installed (the schema tests need it). */
/**
 * Validate `bodyXml` wrapped in a SOAP 1.2 envelope against the IHE schemas (driver schema with
 * lax Body processing, so every ebRS / XDS.b body element is validated), offline, with the
 * project's one validator (test/helpers/xsd.ts, libxml2 compiled to WASM).
 */
export async function validateInSoap12(bodyXml: string): Promise<{ ok: boolean; output: string }> {
  const [r] = await validateSoapEnvelopes([
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP12}"><s:Header/><s:Body>${bodyXml}</s:Body></s:Envelope>`,
  ]);
  return { ok: r!.valid, output: r!.errors.join('\n') };
}

/** What `parseStoredQuery` should give: the query, or an error code and a codeContext pattern. */
export type ExpectedStoredQuery = { query: object } | { error: string; context: RegExp };

/** Asserts `result` against `expected` (errors: severity Error, no location, codeContext matching). */
export function expectStoredQuery(result: StoredQueryResult, expected: ExpectedStoredQuery): void {
  if ('query' in expected) {
    expect(result).toEqual({ ok: true, query: expected.query });
    return;
  }
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error).toMatchObject({ errorCode: expected.error, severity: ErrorSeverity.Error });
  expect(result.error.location).toBeUndefined();
  expect(result.error.codeContext).toMatch(expected.context);
}
