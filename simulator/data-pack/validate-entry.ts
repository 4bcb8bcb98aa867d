/**
 * Structural validation of one DocumentEntry read from entries.json against the model of
 * xca/document-entry-model.ts (ITI TF-3 4.2.3.2) and its community. File checks (size, SHA-1)
 * are the loader's.
 */
import { isHomeCommunityId, isOid } from '../shared/ids.js';
import { DocumentEntryType, EntryStatus } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { isDtm } from './dtm.js';
import type { CommunityManifest } from './pack-format.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const isCoded = (v: unknown): boolean =>
  isObject(v) && isString(v['code']) && isString(v['codingScheme']) && typeof v['displayName'] === 'string';
const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const REQUIRED_STRINGS = [
  'logicalID',
  'sourcePatientId',
  'title',
  'creationTime',
  'languageCode',
  'mimeType',
  'version',
] as const;
const SINGLE_CODES = [
  'classCode',
  'typeCode',
  'formatCode',
  'practiceSettingCode',
  'healthcareFacilityTypeCode',
] as const;
const CODE_LISTS = ['confidentialityCode', 'eventCodeList'] as const;

/** Identity, patient and status checks. */
function checkIdentity(e: Json, problems: string[], where: string): void {
  if (typeof e['entryUUID'] !== 'string' || !URN_UUID.test(e['entryUUID']))
    problems.push(`${where}: entryUUID must be a lower-case urn:uuid:`);
  if (typeof e['uniqueId'] !== 'string' || !isOid(e['uniqueId']))
    problems.push(`${where}: uniqueId must be an OID`);
  const patient = typeof e['patientId'] === 'string' ? nhsNumberFromPatientId(e['patientId']) : undefined;
  if (!patient?.ok) {
    problems.push(
      `${where}: patientId must be <valid NHS number>^^^&2.16.840.1.113883.2.1.4.1&ISO (${patient ? patient.reason : 'missing'})`,
    );
  }
  const types: unknown[] = Object.values(DocumentEntryType);
  if (!types.includes(e['objectType']))
    problems.push(`${where}: objectType must be the Stable or On-Demand UUID`);
  const statuses: unknown[] = Object.values(EntryStatus);
  if (!statuses.includes(e['availabilityStatus']))
    problems.push(`${where}: availabilityStatus must be an ebRIM StatusType URN`);
}

/** Coded attributes, author, times and lists. */
function checkMetadata(e: Json, problems: string[], where: string): void {
  for (const key of REQUIRED_STRINGS)
    if (!isString(e[key])) problems.push(`${where}: ${key} must be a non-empty string`);
  for (const key of SINGLE_CODES)
    if (!isCoded(e[key])) problems.push(`${where}: ${key} must be {code, codingScheme, displayName}`);
  for (const key of CODE_LISTS) {
    const v = e[key];
    if (!Array.isArray(v) || !v.every(isCoded))
      problems.push(`${where}: ${key} must be a list of {code, codingScheme, displayName}`);
  }
  const authors = e['author'];
  if (
    !Array.isArray(authors) ||
    !authors.every((a) => isObject(a) && isStringArray(a['authorInstitution']))
  ) {
    problems.push(`${where}: author must be a list of {authorPerson?, authorInstitution[]}`);
  }
  for (const key of ['sourcePatientInfo', 'referenceIdList'] as const) {
    if (!isStringArray(e[key])) problems.push(`${where}: ${key} must be a list of strings`);
  }
  for (const key of ['creationTime', 'serviceStartTime', 'serviceStopTime'] as const) {
    const v = e[key];
    if (v !== undefined && (typeof v !== 'string' || !isDtm(v)))
      problems.push(`${where}: ${key} must be a DTM YYYY[MM[DD[hh[mm[ss]]]]]`);
  }
  if (!Number.isSafeInteger(e['size']) || (e['size'] as number) < 0)
    problems.push(`${where}: size must be a whole number of bytes`);
  if (typeof e['hash'] !== 'string' || !/^[0-9a-f]{40}$/.test(e['hash']))
    problems.push(`${where}: hash must be 40 lower-case hex digits (SHA-1)`);
}

/** The entry must point at its own community. */
function checkCommunity(e: Json, c: CommunityManifest, problems: string[], where: string): void {
  if (typeof e['homeCommunityId'] !== 'string' || !isHomeCommunityId(e['homeCommunityId'])) {
    problems.push(`${where}: homeCommunityId must be urn:oid:<OID>`);
  } else if (e['homeCommunityId'] !== c.homeCommunityId) {
    problems.push(
      `${where}: homeCommunityId ${e['homeCommunityId']} is not the community's ${c.homeCommunityId}`,
    );
  }
  if (e['repositoryUniqueId'] !== c.repositoryUniqueId) {
    problems.push(`${where}: repositoryUniqueId must be the community's ${c.repositoryUniqueId}`);
  }
}

/**
 * Validate one parsed entry of `communities/<name>/entries.json`.
 * @param where prefix for problems, e.g. `communities/x/entries.json[3]`.
 * @returns every problem found (empty when the entry is usable).
 */
export function validateEntry(entry: unknown, community: CommunityManifest, where: string): string[] {
  if (!isObject(entry)) return [`${where}: must be an object`];
  const problems: string[] = [];
  checkIdentity(entry, problems, where);
  checkMetadata(entry, problems, where);
  checkCommunity(entry, community, problems, where);
  return problems;
}
