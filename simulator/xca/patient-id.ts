/**
 * The affinity-domain patient id of NIR: an NHS number as an HL7 v2 CX value,
 * `<nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO` (ITI TF-3 4.2.3.2.16 patientId; CX data type per
 * ITI TF-3 Table 4.2.3.1.7-2; NHS number OID per the NHS Data Dictionary / HL7 UK).
 */
import { NHS_NUMBER_OID } from './constants.js';
import { isValidNhsNumber } from './nhs-number.js';

/** The parts of a CX value nir-sim cares about. */
interface ParsedCx {
  /** CX.1, the identifier. */
  id: string;
  /** CX.4.2, the assigning authority's universal id (an OID for ISO). */
  assigningAuthorityOid?: string;
  /** CX.4.3, the universal id type (`ISO` for an OID). */
  assigningAuthorityType?: string;
}

/** Why a patient id is not an NHS number this registry can use. */
type PatientIdProblem = 'not-cx' | 'wrong-authority' | 'bad-format' | 'bad-check-digit';

/** Outcome of {@link nhsNumberFromPatientId}. */
type NhsNumberResult = { ok: true; nhsNumber: string } | { ok: false; reason: PatientIdProblem };

/**
 * One-line explanations of each {@link PatientIdProblem}, for a RegistryError codeContext
 * (XDSUnknownPatientId, ITI TF-3 Table 4.2.4.1-2).
 */
export const patientIdProblemText: Record<PatientIdProblem, string> = {
  'not-cx': 'the patient id is not an HL7 CX value (expected <nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO)',
  'wrong-authority': `the patient id's assigning authority is not the NHS number OID &${NHS_NUMBER_OID}&ISO`,
  'bad-format': 'the NHS number is not ten digits',
  'bad-check-digit': 'the NHS number fails the Modulus 11 check (NHS Data Dictionary)',
};

/**
 * The CX value for an NHS number: `<nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO`.
 * @param nhs ten digits; spaces (3-3-4 display format) are removed. The check digit is not
 *   verified, so tests can build ids for invalid numbers.
 * @throws RangeError when `nhs` is not ten digits after removing spaces.
 */
export function nhsNumberToCx(nhs: string): string {
  const digits = nhs.replace(/ /g, '');
  if (!/^\d{10}$/.test(digits)) throw new RangeError(`not a ten-digit NHS number: ${JSON.stringify(nhs)}`);
  return `${digits}^^^&${NHS_NUMBER_OID}&ISO`;
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * Split a CX value into id and assigning authority (HL7 v2.5 CX; ITI TF-3 4.2.3.1.7). Component
 * separator `^`, subcomponent separator `&`; CX.4 is `namespace&universalId&universalIdType`.
 * @returns `undefined` when the text cannot be a CX: empty CX.1, surrounding whitespace or control
 *   characters, a repetition separator `~`, or more than three CX.4 subcomponents.
 */
export function parseCx(cx: string): ParsedCx | undefined {
  // A CX travels as one slot value: whitespace around it or control characters mean a mangled value.
  if (cx !== cx.trim() || cx.includes('~') || hasControlCharacter(cx)) return undefined;
  const components = cx.split('^');
  const id = components[0] ?? '';
  if (id === '' || id.includes('&')) return undefined;
  const authority = components[3];
  if (authority === undefined || authority === '') return { id };
  const sub = authority.split('&');
  if (sub.length > 3) return undefined;
  const result: ParsedCx = { id };
  if (sub[1]) result.assigningAuthorityOid = sub[1];
  if (sub[2]) result.assigningAuthorityType = sub[2];
  return result;
}

/**
 * The NHS number inside an affinity-domain patient id, or why there is none.
 * Checks, in order: CX syntax (`not-cx`), assigning authority `&2.16.840.1.113883.2.1.4.1&ISO`
 * (`wrong-authority`), ten digits (`bad-format`), Modulus 11 (`bad-check-digit`).
 * @example
 * nhsNumberFromPatientId('9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO');
 * // => { ok: true, nhsNumber: '9434765919' }
 */
export function nhsNumberFromPatientId(cx: string): NhsNumberResult {
  const parsed = parseCx(cx);
  if (!parsed) return { ok: false, reason: 'not-cx' };
  if (parsed.assigningAuthorityOid !== NHS_NUMBER_OID || parsed.assigningAuthorityType !== 'ISO') {
    return { ok: false, reason: 'wrong-authority' };
  }
  if (!/^\d{10}$/.test(parsed.id)) return { ok: false, reason: 'bad-format' };
  if (!isValidNhsNumber(parsed.id)) return { ok: false, reason: 'bad-check-digit' };
  return { ok: true, nhsNumber: parsed.id };
}
