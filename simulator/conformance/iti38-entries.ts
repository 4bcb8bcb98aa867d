/**
 * NIR's DocumentEntry completeness rule, as the ITI38-METADATA check applies it to one returned
 * rim:ExtrinsicObject (ITI TF-3 4.2.3.2, Table 4.2.3.2-1; NIR's XCA metadata expectations in
 * /work/shared/research/nhs-nir.md §6.5): the patient id is an NHS-number CX with the assigning
 * authority OID 2.16.840.1.113883.2.1.4.1 (ITI TF-3 4.2.3.2.16), the class, type and format codes,
 * creationTime, size, hash, mimeType and repositoryUniqueId equal the test data's, and an imaging
 * entry (a KOS manifest, or a report about a study) lists its accession number and Study Instance
 * UID in referenceIdList (ITI TF-3 4.2.3.2.28; XDS-I.b RAD TF-3 4.68.4.1.2.3.3).
 */
import { parseXml, type Element } from '../soap/xml.js';
import { NHS_NUMBER_OID, ReferenceIdType } from '../xca/constants.js';
import { XcaDecodeError } from '../xca/decode-error.js';
import { decodeExtrinsicObject } from '../xca/document-entry.js';
import { nhsNumberFromPatientId, patientIdProblemText } from '../xca/patient-id.js';
import { REFERENCE_ID_LIST_SLOT, readSlots } from '../xca/rim-xml.js';
import type { TestDocument } from './test-data.js';

/** The Slots NIR needs on every DocumentEntry, with the test-data value each must equal. */
const REQUIRED_SLOTS: readonly [string, (d: TestDocument) => string][] = [
  ['creationTime', (d) => d.creationTime],
  ['size', (d) => String(d.size)],
  ['hash', (d) => d.hash],
  ['repositoryUniqueId', (d) => d.repositoryUniqueId],
];

/**
 * What is missing or wrong in `objectXml` (a standalone rim:ExtrinsicObject) against `expected`
 * for the patient `nhsNumber`: one phrase per field, naming the Slot, Classification or
 * ExternalIdentifier (e.g. `Slot hash is missing`, `classCode is 123, expected 4201000179104`);
 * `[]` when complete.
 */
export function metadataProblems(objectXml: string, expected: TestDocument, nhsNumber: string): string[] {
  const el = parseXml(objectXml).documentElement!;
  const problems: string[] = [];
  const slots = readSlots(el);
  for (const [name, want] of REQUIRED_SLOTS) {
    const got = slots.get(name);
    const value = want(expected);
    if (got === undefined || got.length === 0 || got[0] === '') problems.push(`Slot ${name} is missing`);
    else if (name === 'hash' ? got[0]!.toLowerCase() !== value : got[0] !== value)
      problems.push(`Slot ${name} is ${got[0]}, expected ${value}`);
  }
  problems.push(...codedProblems(el, expected, nhsNumber));
  if (expected.accessionNumber !== undefined || expected.studyInstanceUid !== undefined)
    problems.push(...referenceProblems(slots.get(REFERENCE_ID_LIST_SLOT) ?? [], expected));
  return problems;
}

/** The patient id, the three codes and mimeType, read by the xca decoder. */
function codedProblems(el: Element, expected: TestDocument, nhsNumber: string): string[] {
  let entry;
  try {
    entry = decodeExtrinsicObject(el);
  } catch (err) {
    if (!(err instanceof XcaDecodeError)) throw err;
    return [err.message.replace(/^rim:ExtrinsicObject: /, '')];
  }
  const problems: string[] = [];
  const patient = nhsNumberFromPatientId(entry.patientId);
  if (!patient.ok)
    problems.push(
      `patientId ${entry.patientId} is not an NHS-number CX <nhs>^^^&${NHS_NUMBER_OID}&ISO (${patientIdProblemText[patient.reason]})`,
    );
  else if (patient.nhsNumber !== nhsNumber)
    problems.push(`patientId names NHS number ${patient.nhsNumber}, expected ${nhsNumber}`);
  const codes: [string, string, string][] = [
    ['classCode', entry.classCode.code, expected.classCode],
    ['typeCode', entry.typeCode.code, expected.typeCode],
    ['formatCode', entry.formatCode.code, expected.formatCode],
    ['mimeType', entry.mimeType, expected.mimeType],
  ];
  for (const [name, got, want] of codes)
    if (got !== want) problems.push(`${name} is ${got === '' ? '(empty)' : got}, expected ${want}`);
  return problems;
}

/** referenceIdList must hold the accession number and the Study Instance UID (CXi, type in CXi.5). */
function referenceProblems(values: readonly string[], expected: TestDocument): string[] {
  const idsOfType = (type: string) =>
    values.filter((v) => v.split('^')[4] === type).map((v) => v.split('^')[0]);
  const problems: string[] = [];
  const wanted: [string, string, string | undefined][] = [
    ['accession number', ReferenceIdType.accession, expected.accessionNumber],
    ['Study Instance UID', ReferenceIdType.studyInstanceUid, expected.studyInstanceUid],
  ];
  for (const [label, type, want] of wanted) {
    if (want === undefined) continue;
    const got = idsOfType(type);
    if (got.length === 0) problems.push(`Slot referenceIdList has no ${label} (^${type})`);
    else if (!got.includes(want))
      problems.push(`Slot referenceIdList ${label} is ${got.join(', ')}, expected ${want}`);
  }
  return problems;
}
