/**
 * The optional ITI-67 filters as XDS FindDocuments filters, dates aside (`find-document-references-dates.ts`) (MHD 1:33.6.2 "XDS on FHIR"; ITI TF-2
 * 3.67.4.1.2.1 -> ITI TF-2 3.18.4.1.2.3.7.1): coded parameters, creation / period dates, author
 * names, `related` identifiers, `identifier` (GetDocuments) and `targetCommunityIdList`
 * (MHD 4.2.4). Each reader pushes problems and returns what it could read; a filter that can
 * match nothing returns a `noMatch` reason instead of an impossible XDS query.
 */
import { isHomeCommunityId, isOid } from '../shared/ids.js';
import { ReferenceIdType } from '../xca/constants.js';
import type { CodeFilter, CodeValue } from '../xca/stored-query-model.js';
import { problem, readItems, type Occurrence, type ReadContext } from './find-document-references-params.js';
import { DICOM_UID_SYSTEM, URI_IDENTIFIER_SYSTEM } from './search-parameters.js';
import {
  SearchValueError,
  codingSchemeFromSystem,
  parseToken,
  unescapeValue,
} from './search-parameters-values.js';

function codeOf(item: string): CodeValue {
  const t = parseToken(item);
  if (t.system === undefined || t.system === '') {
    throw new SearchValueError(
      `token '${item}' has no system; XDS coded parameters need one ('code^^codingScheme', ITI TF-2 3.18.4.1.2.3.5): send system|code`,
    );
  }
  return { code: t.code, codingScheme: codingSchemeFromSystem(t.system) };
}

/**
 * A coded parameter -> CodeFilter. `multiValued` attributes (eventCodeList, confidentialityCode)
 * take one Slot per occurrence (AND); the others hold one code per DocumentEntry, so repeated
 * occurrences are AND-ed by keeping the codes common to all of them.
 */
export function readCodes(
  occurrences: Occurrence[],
  multiValued: boolean,
  ctx: ReadContext,
): CodeFilter | undefined {
  const slots: CodeValue[][] = [];
  for (const o of occurrences) {
    const codes = readItems(o, ctx, codeOf);
    if (codes !== undefined) slots.push(dedupeCodes(codes));
  }
  if (slots.length === 0 || slots.length < occurrences.length) return undefined;
  if (multiValued || slots.length === 1) return slots;
  const common = slots.reduce((acc, s) => acc.filter((c) => s.some((d) => sameCode(c, d))));
  if (common.length === 0) {
    ctx.noMatch ??= `${occurrences[0]!.sentName}: the repeated values have no code in common (the attribute holds one code)`;
    return undefined;
  }
  return [common];
}

function sameCode(a: CodeValue, b: CodeValue): boolean {
  return a.code === b.code && a.codingScheme === b.codingScheme;
}

function dedupeCodes(codes: CodeValue[]): CodeValue[] {
  return codes.filter((c, i) => codes.findIndex((d) => sameCode(c, d)) === i);
}

/** Characters with a meaning in an XDS LIKE pattern or an XCN value (ITI TF-3 4.2.3.1.7). */
const LIKE_OR_XCN = /[%_^&~]/;

/**
 * `author.family` / `author.given` -> authorPerson LIKE patterns over the XCN
 * `id^family^given^...` (ITI TF-3 4.2.3.1.7): family F -> `%^F%`, given G -> `%^%^G%`, both ->
 * `%^F%^G%`; `:exact` closes the component (`F^` instead of `F%`). Comma values are OR-ed, so
 * both together give every family x given pair. Repeating either parameter (AND) cannot be
 * expressed: authorPerson is one OR list.
 */
export function readAuthor(
  family: Occurrence[] | undefined,
  given: Occurrence[] | undefined,
  ctx: ReadContext,
): string[] | undefined {
  const fam = readNames(family, ctx);
  const giv = readNames(given, ctx);
  if (fam === null || giv === null) return undefined;
  if (fam === undefined && giv === undefined) return undefined;
  const patterns: string[] = [];
  if (giv === undefined) for (const f of fam!.names) patterns.push(`%^${f}${fam!.exact ? '^%' : '%'}`);
  else if (fam === undefined) for (const g of giv.names) patterns.push(`%^%^${g}${giv.exact ? '^%' : '%'}`);
  else {
    for (const f of fam.names) {
      for (const g of giv.names)
        patterns.push(`%^${f}${fam.exact ? '^' : '%^'}${g}${giv.exact ? '^%' : '%'}`);
    }
  }
  return patterns;
}

/** Names of one author parameter; `null` after a problem, undefined when absent. */
function readNames(
  occurrences: Occurrence[] | undefined,
  ctx: ReadContext,
): { names: string[]; exact: boolean } | null | undefined {
  if (occurrences === undefined) return undefined;
  const o = occurrences[0]!;
  if (occurrences.length > 1) {
    ctx.problems.push(
      problem(
        o.sentName,
        'not-supported',
        `${o.sentName} is repeated; XDS authorPerson is one OR list, so send one ${o.sentName} with comma-separated values`,
      ),
    );
    return null;
  }
  const names = readItems(o, ctx, (item) => {
    const name = unescapeValue(item);
    if (LIKE_OR_XCN.test(name)) {
      throw new SearchValueError(
        `value '${name}' contains one of % _ ^ & ~, which XDS LIKE patterns and XCN values reserve`,
      );
    }
    if (name.trim() === '') throw new SearchValueError('value is blank');
    return name;
  });
  return names === undefined ? null : { names, exact: o.modifier === 'exact' };
}

/** Characters reserved in an HL7 v2 CX / CXi value (ITI TF-3 4.2.3.1.7). */
const CX_RESERVED = /[\^&~\\|]/;

/**
 * `related` -> referenceIdList CXi values (ITI TF-3 4.2.3.2.28): `urn:dicom:uid|urn:oid:<uid>`
 * (or the bare UID) -> `<uid>^^^^urn:ihe:iti:xds:2016:studyInstanceUID`; `urn:oid:<issuer>|<acc>`
 * -> `<acc>^^^&<issuer>&ISO^urn:ihe:iti:xds:2013:accession`. OR-ed; a repeat cannot be AND-ed.
 */
export function readRelated(occurrences: Occurrence[], ctx: ReadContext): string[] | undefined {
  const o = occurrences[0]!;
  if (occurrences.length > 1) {
    ctx.problems.push(
      problem(
        o.sentName,
        'not-supported',
        `${o.sentName} is repeated; $XDSDocumentEntryReferenceIdList is one OR list, so send comma-separated values`,
      ),
    );
    return undefined;
  }
  return readItems(o, ctx, (item) => {
    const t = parseToken(item);
    if (CX_RESERVED.test(t.code))
      throw new SearchValueError(`identifier '${t.code}' contains a CX separator (^ & ~ \\ |)`);
    if (t.system === DICOM_UID_SYSTEM) {
      const uid = t.code.startsWith('urn:oid:') ? t.code.slice(8) : t.code;
      if (!isOid(uid))
        throw new SearchValueError(
          `'${t.code}' is not a DICOM UID (urn:oid:<dotted digits>, at most 64 characters)`,
        );
      return `${uid}^^^^${ReferenceIdType.studyInstanceUid}`;
    }
    if (t.system?.startsWith('urn:oid:') && isOid(t.system.slice(8))) {
      return `${t.code}^^^&${t.system.slice(8)}&ISO^${ReferenceIdType.accession}`;
    }
    throw new SearchValueError(
      `token '${item}': send ${DICOM_UID_SYSTEM}|urn:oid:<Study Instance UID> or urn:oid:<issuer OID>|<accession number>`,
    );
  });
}

/** GetDocuments ids from `identifier`: one kind only. */
export type GetDocumentsIds = { by: 'entryUUID' | 'uniqueId'; ids: string[] };

/**
 * `identifier` -> GetDocuments ids (MHD DocumentEntry mapping: masterIdentifier = uniqueId,
 * identifier = entryUUID, both system urn:ietf:rfc:3986): `urn:uuid:...` -> entryUUID,
 * `urn:oid:X` -> uniqueId X, anything else -> uniqueId as sent.
 */
export function readIdentifier(occurrences: Occurrence[], ctx: ReadContext): GetDocumentsIds | undefined {
  const o = occurrences[0]!;
  if (occurrences.length > 1) {
    ctx.problems.push(
      problem(
        o.sentName,
        'not-supported',
        'identifier is repeated; send one identifier with comma-separated values',
      ),
    );
    return undefined;
  }
  const ids = readItems(o, ctx, (item) => {
    const t = parseToken(item);
    if (t.system !== undefined && t.system !== URI_IDENTIFIER_SYSTEM) {
      throw new SearchValueError(
        `token '${item}': the system of a DocumentReference identifier is ${URI_IDENTIFIER_SYSTEM}`,
      );
    }
    if (t.code.startsWith('urn:uuid:')) return { by: 'entryUUID' as const, id: t.code };
    return { by: 'uniqueId' as const, id: t.code.startsWith('urn:oid:') ? t.code.slice(8) : t.code };
  });
  if (ids === undefined) return undefined;
  const by = ids[0]!.by;
  if (ids.some((i) => i.by !== by)) {
    ctx.problems.push(
      problem(
        o.sentName,
        'not-supported',
        'identifier mixes urn:uuid: entryUUIDs and uniqueIds; GetDocuments takes one kind (ITI TF-2 3.18.4.1.2.3.7.5)',
      ),
    );
    return undefined;
  }
  return { by, ids: ids.map((i) => i.id) };
}

/**
 * `targetCommunityIdList` (MHD 4.2.4, IHE-TargetCommunityIdList) -> homeCommunityIds
 * (`urn:oid:...`, ITI TF-2 3.38.4.1.2.1): comma values OR-ed, repeats AND-ed (common ids kept).
 */
export function readTargets(occurrences: Occurrence[], ctx: ReadContext): string[] | undefined {
  const sets: string[][] = [];
  for (const o of occurrences) {
    const ids = readItems(o, ctx, (item) => {
      const id = unescapeValue(item);
      if (!isHomeCommunityId(id))
        throw new SearchValueError(`'${id}' is not a homeCommunityId (urn:oid:<OID>, at most 64 characters)`);
      return id;
    });
    if (ids === undefined) return undefined;
    sets.push([...new Set(ids)]);
  }
  const common = sets.reduce((acc, s) => acc.filter((id) => s.includes(id)));
  if (common.length === 0)
    ctx.noMatch ??= 'targetCommunityIdList: the repeated lists have no community in common';
  return common;
}
