/**
 * The contained resources of the MHD DocumentEntry mapping (IHE MHD 4.2.x "DocumentEntry
 * mapping"; ITI TF-3 4.2.3.1.7 CX, 4.2.3.2.24 sourcePatientInfo, 4.2.3.1.4 author):
 * sourcePatientInfo <-> a contained Patient, each author <-> a contained PractitionerRole (with
 * its Practitioner and Organization) or Organization, CX <-> Identifier (UK Core: an NHS number
 * has system https://fhir.nhs.uk/Id/nhs-number).
 */
import type {
  Address,
  HumanName,
  Identifier,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
} from 'fhir/r4.js';
import { NHS_NUMBER_OID } from '../xca/constants.js';
import type { Author } from '../xca/document-entry-model.js';
import { components, joinComponents, type Unmapped } from './document-reference-values.js';

/** UK Core's NHS number identifier system (https://simplifier.net/hl7fhirukcorer4, UKCore-Patient). */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

type Contained = Patient | Practitioner | PractitionerRole | Organization;

/** An HL7 v2 CX (`id^^^&oid&ISO`) as an Identifier: NHS numbers under UK Core's system, else `urn:oid:`. */
export function cxToIdentifier(cx: string): Identifier {
  const c = components(cx);
  const value = c[0]?.[0] ?? '';
  const oid = c[3]?.[1];
  if (!oid) return { value };
  return { system: oid === NHS_NUMBER_OID ? NHS_NUMBER_SYSTEM : `urn:oid:${oid}`, value };
}

/** An Identifier as a CX; a system that is neither UK Core's NHS number nor `urn:oid:` is reported. */
export function identifierToCx(
  id: Identifier | undefined,
  element: string,
  unmapped: Unmapped[],
): string | undefined {
  if (!id?.value) {
    unmapped.push({ element, reason: 'no identifier value' });
    return undefined;
  }
  if (id.system === NHS_NUMBER_SYSTEM) return `${id.value}^^^&${NHS_NUMBER_OID}&ISO`;
  if (id.system?.startsWith('urn:oid:')) return `${id.value}^^^&${id.system.slice(8)}&ISO`;
  if (id.system !== undefined)
    unmapped.push({
      element,
      reason: `identifier system ${id.system} is not an OID: CX without assigning authority`,
    });
  return id.value;
}

const GENDER: Record<string, Patient['gender']> = { M: 'male', F: 'female', O: 'other', U: 'unknown' };
const SOURCE_PATIENT_ID = 'sourcePatient';

/**
 * sourcePatientId and sourcePatientInfo (PID-3, PID-5, PID-7, PID-8, PID-11) as the contained
 * Patient that context.sourcePatientInfo references; any other PID line is reported.
 */
export function sourcePatient(
  sourcePatientId: string,
  info: readonly string[],
  unmapped: Unmapped[],
): Patient {
  const p: Patient = {
    resourceType: 'Patient',
    id: SOURCE_PATIENT_ID,
    identifier: [cxToIdentifier(sourcePatientId)],
  };
  for (const line of info) {
    const bar = line.indexOf('|');
    const field = line.slice(0, bar);
    const v = line.slice(bar + 1);
    if (field === 'PID-3') {
      if (v !== sourcePatientId) p.identifier!.push(cxToIdentifier(v));
    } else if (field === 'PID-5') {
      const [family = '', given = '', middle = '', suffix = '', prefix = ''] = v.split('^');
      const name: HumanName = {};
      if (family) name.family = family;
      if (given || middle) name.given = [given, ...(middle ? [middle] : [])];
      if (suffix) name.suffix = [suffix];
      if (prefix) name.prefix = [prefix];
      (p.name ??= []).push(name);
    } else if (field === 'PID-7' && /^\d{8}$/.test(v)) {
      p.birthDate = `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
    } else if (field === 'PID-8' && GENDER[v]) {
      p.gender = GENDER[v];
    } else if (field === 'PID-11') {
      const [street = '', other = '', city = '', state = '', postalCode = '', country = ''] = v.split('^');
      const a: Address = {};
      if (street || other) a.line = other ? [street, other] : [street];
      if (city) a.city = city;
      if (state) a.state = state;
      if (postalCode) a.postalCode = postalCode;
      if (country) a.country = country;
      (p.address ??= []).push(a);
    } else {
      unmapped.push({
        element: `DocumentEntry.sourcePatientInfo ${field}`,
        reason: `${JSON.stringify(line)} has no Patient element here`,
      });
    }
  }
  return p;
}

/**
 * The contained source Patient back as sourcePatientId and sourcePatientInfo lines, in the order
 * PID-3, PID-5, PID-7, PID-8, PID-11; PID-5 with its five XPN components
 * (`family^given^middle^suffix^prefix`, as ITI TF-3 Table 4.2.3.2-1's example), PID-11 with
 * trailing empty components left out.
 */
export function fromSourcePatient(
  p: Patient,
  unmapped: Unmapped[],
): { sourcePatientId?: string; sourcePatientInfo: string[] } {
  const ids = (p.identifier ?? []).map((i, k) => identifierToCx(i, `Patient.identifier[${k}]`, unmapped));
  const lines: string[] = [];
  for (const id of ids) if (id !== undefined) lines.push(`PID-3|${id}`);
  for (const n of p.name ?? [])
    lines.push(
      `PID-5|${[n.family ?? '', n.given?.[0] ?? '', n.given?.[1] ?? '', n.suffix?.[0] ?? '', n.prefix?.[0] ?? ''].join('^')}`,
    );
  if (p.birthDate) lines.push(`PID-7|${p.birthDate.replace(/-/g, '')}`);
  const g = Object.entries(GENDER).find(([, v]) => v === p.gender)?.[0];
  if (g) lines.push(`PID-8|${g}`);
  for (const a of p.address ?? [])
    lines.push(
      `PID-11|${joinComponents([a.line?.[0] ?? '', a.line?.[1] ?? '', a.city ?? '', a.state ?? '', a.postalCode ?? '', a.country ?? ''])}`,
    );
  const first = ids.find((i) => i !== undefined);
  return { ...(first !== undefined ? { sourcePatientId: first } : {}), sourcePatientInfo: lines };
}

/** A local reference to a contained resource (R4 References "Contained resources"). */
const local = (id: string): Reference => ({ reference: `#${id}` });

/** XON (`name^^^^^&oid&ISO^^^^id`, ITI TF-3 4.2.3.1.7) as a contained Organization. */
function organization(xon: string, id: string): Organization {
  const c = components(xon);
  const o: Organization = { resourceType: 'Organization', id, name: c[0]?.[0] ?? '' };
  const idValue = c[9]?.[0];
  if (idValue) {
    const oid = c[5]?.[1];
    o.identifier = [{ ...(oid ? { system: `urn:oid:${oid}` } : {}), value: idValue }];
  }
  return o;
}

function fromOrganization(o: Organization): string {
  const idValue = o.identifier?.[0]?.value ?? '';
  const system = o.identifier?.[0]?.system;
  const authority = system?.startsWith('urn:oid:') ? `&${system.slice(8)}&ISO` : '';
  return joinComponents([o.name ?? '', '', '', '', '', authority, '', '', '', idValue]);
}

/**
 * Authors as contained resources: with an authorPerson, a PractitionerRole (its Practitioner,
 * its first institution as Organization, role as `code`, specialty as `specialty`); without, its
 * first institution as an Organization. Further institutions, and role or specialty of an author
 * without a person, are reported.
 */
export function authorsToContained(
  authors: readonly Author[],
  unmapped: Unmapped[],
): { contained: Contained[]; references: Reference[] } {
  const contained: Contained[] = [];
  const references: Reference[] = [];
  authors.forEach((a, k) => {
    const base = `author-${k + 1}`;
    const where = `DocumentEntry.author[${k}]`;
    if (a.authorInstitution.length > 1)
      unmapped.push({
        element: `${where}.authorInstitution`,
        reason: 'only the first institution is carried (one Organization per author)',
      });
    const org =
      a.authorInstitution[0] !== undefined ? organization(a.authorInstitution[0], `${base}-org`) : undefined;
    if (a.authorPerson === undefined) {
      if (!org) {
        unmapped.push({ element: where, reason: 'an author with neither person nor institution' });
        return;
      }
      if (a.authorRole?.length || a.authorSpecialty?.length)
        unmapped.push({
          element: where,
          reason: 'role and specialty of an author without a person have no place on an Organization',
        });
      contained.push(org);
      references.push(local(org.id!));
      return;
    }
    const c = components(a.authorPerson);
    const at = (k2: number): string => c[k2]?.[0] ?? '';
    if (at(6) || at(7))
      unmapped.push({
        element: `${where}.authorPerson`,
        reason: 'XCN degree and source table have no Practitioner element here',
      });
    const name: HumanName = {};
    if (at(1)) name.family = at(1);
    if (at(2) || at(3)) name.given = [at(2), ...(at(3) ? [at(3)] : [])];
    if (at(4)) name.suffix = [at(4)];
    if (at(5)) name.prefix = [at(5)];
    const oid = c[8]?.[1];
    const person: Practitioner = {
      resourceType: 'Practitioner',
      id: `${base}-person`,
      ...(at(0) ? { identifier: [{ ...(oid ? { system: `urn:oid:${oid}` } : {}), value: at(0) }] } : {}),
      name: [name],
    };
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: base,
      practitioner: local(person.id!),
      ...(org ? { organization: local(org.id!) } : {}),
      ...(a.authorRole?.length ? { code: a.authorRole.map((text) => ({ text })) } : {}),
      ...(a.authorSpecialty?.length ? { specialty: a.authorSpecialty.map((text) => ({ text })) } : {}),
    };
    contained.push(role, person, ...(org ? [org] : []));
    references.push(local(base));
  });
  return { contained, references };
}

/** DocumentReference.author (local references to contained resources) back as Authors. */
export function authorsFromContained(
  refs: readonly Reference[],
  contained: readonly { resourceType: string; id?: string }[],
  unmapped: Unmapped[],
): Author[] {
  const byId = new Map(contained.map((r) => [`#${r.id ?? ''}`, r]));
  const authors: Author[] = [];
  refs.forEach((ref, k) => {
    const r = ref.reference ? byId.get(ref.reference) : undefined;
    const where = `DocumentReference.author[${k}]`;
    if (r?.resourceType === 'Organization') {
      authors.push({ authorInstitution: [fromOrganization(r as Organization)] });
    } else if (r?.resourceType === 'PractitionerRole') {
      const role = r as PractitionerRole;
      const person = role.practitioner?.reference
        ? (byId.get(role.practitioner.reference) as Practitioner | undefined)
        : undefined;
      const org = role.organization?.reference
        ? (byId.get(role.organization.reference) as Organization | undefined)
        : undefined;
      const a: Author = { authorInstitution: org ? [fromOrganization(org)] : [] };
      if (person) {
        const n = person.name?.[0] ?? {};
        const id = person.identifier?.[0];
        const authority = id?.system?.startsWith('urn:oid:') ? `&${id.system.slice(8)}&ISO` : '';
        a.authorPerson = joinComponents([
          id?.value ?? '',
          n.family ?? '',
          n.given?.[0] ?? '',
          n.given?.[1] ?? '',
          n.suffix?.[0] ?? '',
          n.prefix?.[0] ?? '',
          '',
          '',
          authority,
        ]);
      }
      const roles = (role.code ?? []).map((c) => c.text).filter((t): t is string => t !== undefined);
      const specs = (role.specialty ?? []).map((c) => c.text).filter((t): t is string => t !== undefined);
      if (roles.length) a.authorRole = roles;
      if (specs.length) a.authorSpecialty = specs;
      authors.push(a);
    } else {
      unmapped.push({
        element: where,
        reason: 'not a local reference to a contained PractitionerRole or Organization',
      });
    }
  });
  return authors;
}
