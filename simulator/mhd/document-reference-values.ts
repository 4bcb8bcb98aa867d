/**
 * Value conversions of the MHD DocumentEntry mapping (IHE MHD 4.2.x, "DocumentEntry mapping";
 * ITI TF-3 4.2.3.1 data types): DTM <-> FHIR dateTime, SHA-1 hex <-> base64Binary, coding
 * scheme OID <-> FHIR system URI, HL7 v2 components.
 */
import type { Coding } from 'fhir/r4.js';
import type { Coded } from '../xca/document-entry-model.js';

/** Where a value could not be carried across, and why (reported, never dropped silently). */
export interface Unmapped {
  /** The element: an XDS attribute (`DocumentEntry.objectType`) or a FHIR path. */
  element: string;
  reason: string;
}

/** Coding schemes with a FHIR canonical system (FHIR R4 terminology "External code systems"). */
const KNOWN_SYSTEMS: readonly (readonly [oid: string, uri: string])[] = [
  ['2.16.840.1.113883.6.96', 'http://snomed.info/sct'],
  ['2.16.840.1.113883.6.1', 'http://loinc.org'],
  ['2.16.840.1.113883.5.25', 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality'],
  ['1.2.840.10008.2.16.4', 'http://dicom.nema.org/resources/ontology/DCM'],
];
const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

/** An XDS coding scheme as a FHIR system: a known canonical URI, else `urn:oid:<oid>` (RFC 3001). */
export function systemOf(codingScheme: string): string | undefined {
  const known = KNOWN_SYSTEMS.find(([oid]) => oid === codingScheme);
  if (known) return known[1];
  return OID.test(codingScheme) ? `urn:oid:${codingScheme}` : undefined;
}

/** A FHIR system as an XDS coding scheme: the OID of a known URI or of `urn:oid:`, else the URI itself. */
export function schemeOf(system: string): string {
  const known = KNOWN_SYSTEMS.find(([, uri]) => uri === system);
  if (known) return known[0];
  return system.startsWith('urn:oid:') ? system.slice('urn:oid:'.length) : system;
}

/** A Coded value as a Coding; a scheme that is neither OID nor known is reported, its code kept. */
export function toCoding(c: Coded, element: string, unmapped: Unmapped[]): Coding {
  const system = systemOf(c.codingScheme);
  if (system === undefined)
    unmapped.push({
      element,
      reason: `coding scheme ${JSON.stringify(c.codingScheme)} is not an OID: no FHIR system`,
    });
  return { ...(system !== undefined ? { system } : {}), code: c.code, display: c.displayName };
}

/** A Coding as a Coded value; a missing system or code is reported and gives undefined. */
export function fromCoding(c: Coding | undefined, element: string, unmapped: Unmapped[]): Coded | undefined {
  if (!c?.system || !c.code) {
    unmapped.push({ element, reason: 'no Coding with both system and code' });
    return undefined;
  }
  return { code: c.code, codingScheme: schemeOf(c.system), displayName: c.display ?? '' };
}

/**
 * A DTM (`YYYY[MM[DD[hh[mm[ss]]]]]`, UTC, ITI TF-3 4.2.3.1.5) as a FHIR dateTime of the same
 * precision: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm:ssZ`. A DTM to the hour or
 * minute has no FHIR form (a time needs seconds, R4 dateTime): zero-filled and reported.
 */
export function dtmToDateTime(dtm: string, element: string, unmapped: Unmapped[]): string | undefined {
  if (!/^\d{4}(\d{2}){0,5}$/.test(dtm)) {
    unmapped.push({ element, reason: `${JSON.stringify(dtm)} is not a DTM` });
    return undefined;
  }
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((k) => dtm.slice(k, k + (k === 0 ? 4 : 2)));
  if (!mo) return y;
  if (!d) return `${y}-${mo}`;
  if (!h) return `${y}-${mo}-${d}`;
  if (!s)
    unmapped.push({
      element,
      reason: `DTM ${dtm} is precise to the ${mi ? 'minute' : 'hour'}: seconds zero-filled`,
    });
  return `${y}-${mo}-${d}T${h}:${mi || '00'}:${s || '00'}Z`;
}

/**
 * A FHIR dateTime or instant as a DTM in UTC (offsets applied), precision kept down to the
 * second; fractions of a second are dropped and reported.
 */
export function dateTimeToDtm(value: string, element: string, unmapped: Unmapped[]): string | undefined {
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}))?)?)?$/.exec(value);
  if (!m) {
    unmapped.push({ element, reason: `${JSON.stringify(value)} is not a FHIR dateTime` });
    return undefined;
  }
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (h === undefined) return `${y}${mo ?? ''}${d ?? ''}`;
  if (frac && Number(frac) !== 0)
    unmapped.push({ element, reason: `fraction of a second ${frac} dropped (DTM stops at seconds)` });
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${tz === 'Z' ? 'Z' : tz}`);
  if (Number.isNaN(ms)) {
    unmapped.push({ element, reason: `${JSON.stringify(value)} is not a valid date` });
    return undefined;
  }
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** SHA-1 lower-case hex (XDS `hash`) as base64 (FHIR Attachment.hash); undefined when not 40 hex digits. */
export function hexToBase64(hex: string): string | undefined {
  return /^[0-9a-fA-F]{40}$/.test(hex) ? Buffer.from(hex, 'hex').toString('base64') : undefined;
}

/** base64 SHA-1 (FHIR Attachment.hash) as lower-case hex; undefined unless it is 20 bytes of canonical base64. */
export function base64ToHex(b64: string): string | undefined {
  const bytes = Buffer.from(b64, 'base64');
  return bytes.length === 20 && bytes.toString('base64') === b64 ? bytes.toString('hex') : undefined;
}

/** HL7 v2 components of a value (`^`), each split into subcomponents (`&`). */
export function components(v: string): string[][] {
  return v.split('^').map((c) => c.split('&'));
}

/** HL7 v2 components joined, trailing empty components left out (HL7 v2.5 2.5.3). */
export function joinComponents(parts: readonly string[]): string {
  let n = parts.length;
  while (n > 0 && parts[n - 1] === '') n--;
  return parts.slice(0, n).join('^');
}
