/**
 * Consumer-mode checks of the XUA assertion in the request's wsse:Security header (IHE ITI TF-2
 * 3.40.4.1.2 XUA; NIR's XUA profile, /shared/research nhs-nir.md §5): present, carrying the
 * attributes NIR needs (subject-id, organization, organization-id, homeCommunityId, role,
 * purpose of use), resource-id naming the queried patient, signed and valid when received (as
 * the broker validated it on the integration port, or as far as the sandbox port can tell
 * without verifying).
 */
import { SamlNs, XuaAttribute } from '../security/saml.js';
import {
  homeCommunityIds,
  purposes,
  readAssertion,
  roles,
  textValues,
  type AssertionView,
} from '../security/xua-attributes.js';
import { WSSE_NS } from '../soap/namespaces.js';
import { childElements, type Element } from '../soap/xml.js';
import { nhsNumberFromPatientId, patientIdProblemText } from '../xca/patient-id.js';
import type { ConsumerCheck } from './consumer-check.js';
import { cxKey, queryPatient } from './consumer-patient.js';
import type { ConsumerRequest } from './consumer-request.js';
import { refusalNote, refusedBySecurity, verdict, withoutEnvelope } from './consumer-verdict.js';

/** Clock skew tolerated on NotBefore / NotOnOrAfter, ms (the broker's default, security/saml.ts xuaPolicy). */
const SKEW_MS = 60_000;

const ID = {
  present: 'CON-XUA-PRESENT',
  attributes: 'CON-XUA-ATTRIBUTES',
  resource: 'CON-XUA-RESOURCE',
  valid: 'CON-XUA-VALID',
} as const;

/** The saml2:Assertion element in wsse:Security, if any. */
function assertionOf(r: ConsumerRequest): Element | undefined {
  return r.envelope?.headerBlocks
    .filter((b) => b.namespaceURI === WSSE_NS && b.localName === 'Security')
    .flatMap((b) => childElements(b, SamlNs.saml2, 'Assertion'))[0];
}

/** Every attribute NIR needs that the assertion lacks (empty when complete). */
function missingAttributes(v: AssertionView): string[] {
  const missing: string[] = [];
  if (textValues(v, XuaAttribute.subjectId).length === 0) missing.push('subject-id');
  if (textValues(v, XuaAttribute.organization).length === 0) missing.push('organization');
  if (textValues(v, XuaAttribute.organizationId).length === 0) missing.push('organization-id');
  if (homeCommunityIds(v).length === 0) missing.push('homeCommunityId');
  if (!roles(v).some((c) => c.value?.codeSystem !== undefined))
    missing.push('role (an hl7:Role CE with code and codeSystem)');
  if (!purposes(v).some((c) => c.value?.codeSystem !== undefined))
    missing.push('purposeofuse (an hl7:PurposeOfUse CE with code and codeSystem)');
  return missing;
}

/** Why resource-id does not fit the request, or undefined when it does (or the request names no patient). */
function resourceProblem(r: ConsumerRequest, v: AssertionView): string | undefined {
  const ids = textValues(v, XuaAttribute.resourceId);
  const patient = queryPatient(r);
  if (ids.length === 0)
    return `the assertion has no resource-id${patient ? `; the query names patient ${patient.value}` : ''}`;
  const id = ids[0]!;
  const nhs = nhsNumberFromPatientId(id);
  if (!nhs.ok) return `resource-id ${id} is not an NHS-number CX: ${patientIdProblemText[nhs.reason]}`;
  if (patient && cxKey(id) !== cxKey(patient.value))
    return `resource-id ${id} is not the queried patient ${patient.value}`;
  return undefined;
}

/** The verdict of a check on the assertion's content when there is none to read, else the assertion's view. */
function assertionOrVerdict(id: string, r: ConsumerRequest): AssertionView | ReturnType<typeof verdict> {
  const none = withoutEnvelope(id, r);
  if (none) return none;
  const a = assertionOf(r);
  if (!a) return verdict(id, 'skipped', 'no XUA assertion to read (see CON-XUA-PRESENT)');
  return readAssertion(a);
}

const isView = (x: AssertionView | ReturnType<typeof verdict>): x is AssertionView => 'attributes' in x;

const present: ConsumerCheck = {
  definition: {
    id: ID.present,
    area: 'consumer',
    title: 'The request carries a XUA assertion',
    given: 'a consumer system sending an XCA request to NIR',
    when: 'the broker reads its wsse:Security header',
    then: 'it holds a SAML 2.0 assertion (IHE XUA) for the user on whose behalf the request is made',
    source:
      'IHE ITI TF-2 3.40.4.1 (XUA Provide X-User Assertion); WSS SAML Token Profile 1.1; NIR XUA profile (nhs-nir.md §5)',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const none = withoutEnvelope(ID.present, r);
    if (none) return none;
    const a = assertionOf(r);
    if (!a)
      return verdict(ID.present, 'failed', `no saml2:Assertion in a wsse:Security header${refusalNote(r)}`);
    const id = a.getAttribute('ID');
    return verdict(ID.present, 'passed', `saml2:Assertion${id ? ` ${id}` : ''} in wsse:Security`);
  },
};

const attributes: ConsumerCheck = {
  definition: {
    id: ID.attributes,
    area: 'consumer',
    title: 'The assertion names the user, their organisation, role and purpose of use',
    given: 'a request carrying a XUA assertion',
    when: 'the broker reads its AttributeStatement',
    then: 'it has subject-id, organization, organization-id, homeCommunityId, role (hl7:Role CE) and purposeofuse (hl7:PurposeOfUse CE)',
    source:
      'IHE ITI TF-2 3.40.4.1.2 (XSPA subject-id, organization, organization-id, homeCommunityId, role, purposeofuse); NIR XUA profile (nhs-nir.md §5.3)',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const v = assertionOrVerdict(ID.attributes, r);
    if (!isView(v)) return v;
    const missing = missingAttributes(v);
    if (missing.length > 0)
      return verdict(ID.attributes, 'failed', `the assertion lacks ${missing.join(', ')}${refusalNote(r)}`);
    return verdict(
      ID.attributes,
      'passed',
      'subject-id, organization, organization-id, homeCommunityId, role and purposeofuse present',
    );
  },
};

const resource: ConsumerCheck = {
  definition: {
    id: ID.resource,
    area: 'consumer',
    title: "The assertion's resource-id is the patient asked about",
    given: 'a request carrying a XUA assertion',
    when: 'the broker compares its resource-id with the request',
    then: 'resource-id is an NHS-number CX and, for a query naming a patient, that patient (CX.1 and CX.4 equal)',
    source: 'IHE ITI TF-2 3.40.4.1.2 (XACML resource-id); NIR XUA profile (nhs-nir.md §5)',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const v = assertionOrVerdict(ID.resource, r);
    if (!isView(v)) return v;
    const problem = resourceProblem(r, v);
    if (problem) return verdict(ID.resource, 'failed', `${problem}${refusalNote(r)}`);
    const id = textValues(v, XuaAttribute.resourceId)[0]!;
    return verdict(
      ID.resource,
      'passed',
      queryPatient(r) ? `resource-id ${id} is the queried patient` : `resource-id ${id}`,
    );
  },
};

/** NotBefore / NotOnOrAfter against the time received, with the broker's skew; undefined when within. */
function windowProblem(v: AssertionView, at: number): string | undefined {
  const nb = v.notBefore !== undefined ? Date.parse(v.notBefore) : NaN;
  const noa = v.notOnOrAfter !== undefined ? Date.parse(v.notOnOrAfter) : NaN;
  if (Number.isNaN(nb) || Number.isNaN(noa))
    return 'saml2:Conditions lacks a valid NotBefore and NotOnOrAfter';
  const received = new Date(at).toISOString();
  if (at + SKEW_MS < nb) return `it was not yet valid when received (${received}; NotBefore ${v.notBefore})`;
  if (at - SKEW_MS >= noa)
    return `it had expired when received (${received}; NotOnOrAfter ${v.notOnOrAfter})`;
  return undefined;
}

const valid: ConsumerCheck = {
  definition: {
    id: ID.valid,
    area: 'consumer',
    title: 'The assertion is signed by a trusted issuer and valid when received',
    given: 'a request carrying a XUA assertion',
    when: 'the broker validates it (integration port: signature with a trusted signing certificate, audience, NotBefore/NotOnOrAfter, replay)',
    then: 'the broker accepts it; on the sandbox port, which does not verify signatures, the assertion is at least signed (ds:Signature) and within its validity window',
    source:
      'IHE ITI TF-2 3.40.4.1.2, 3.40.5.1; SAML 2.0 Core §2.5.1, §5; XMLDSig Core 1.1; NIR XUA profile (nhs-nir.md §5)',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const v = assertionOrVerdict(ID.valid, r);
    if (!isView(v)) return v;
    if (r.requester?.assurance === 'validated')
      return verdict(
        ID.valid,
        'passed',
        'the broker validated the assertion: signature by a trusted signer, audience and validity window',
      );
    if (refusedBySecurity(r)) {
      // A refusal another check explains (missing attributes, wrong resource-id) says nothing of the signature.
      const explained =
        missingAttributes(v).length > 0
          ? 'CON-XUA-ATTRIBUTES'
          : resourceProblem(r, v)
            ? 'CON-XUA-RESOURCE'
            : undefined;
      if (explained)
        return verdict(
          ID.valid,
          'skipped',
          `refused for what ${explained} reports; signature and validity window not judged apart${refusalNote(r)}`,
        );
      const window = windowProblem(v, r.startedAt);
      return verdict(
        ID.valid,
        'failed',
        `the broker refused the assertion${window ? `: ${window}` : ': check its signature (a signing certificate NIR trusts), audience and that it is not replayed'}${refusalNote(r)}`,
      );
    }
    if (r.refusal)
      return verdict(
        ID.valid,
        'skipped',
        `the broker refused the request before validating the assertion${refusalNote(r)}`,
      );
    if (childElements(assertionOf(r)!, SamlNs.ds, 'Signature').length === 0)
      return verdict(ID.valid, 'failed', 'the assertion is not signed (no ds:Signature)');
    const window = windowProblem(v, r.startedAt);
    if (window) return verdict(ID.valid, 'failed', `the assertion ${window}`);
    return verdict(
      ID.valid,
      'passed',
      'signed (ds:Signature) and within NotBefore/NotOnOrAfter when received; the sandbox port does not verify signatures: use the integration port for that',
    );
  },
};

/** The XUA checks, in report order. */
export const consumerXuaChecks: readonly ConsumerCheck[] = [present, attributes, resource, valid];
