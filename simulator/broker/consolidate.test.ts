import { describe, expect, it } from 'vitest';
import { consolidateQuery, consolidateRetrieve } from './consolidate.js';
import type { FederatedObject } from './federated-object.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../mhd/document-reference.js';
import { fhirDocument } from './test-support/fhir-documents.js';
import type { LegFailure, QueryLeg, RetrieveLeg } from './leg.js';
import { childElements, parseXml } from '../soap/xml.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { RegistryError, RegistryObjectXml } from '../xca/types.js';

const A = { name: 'north', homeCommunityId: 'urn:oid:1.2.826.0.1.9.1' };
const B = { name: 'south', homeCommunityId: 'urn:oid:1.2.826.0.1.9.2' };
const E = ErrorSeverity.Error;
const W = ErrorSeverity.Warning;

const obj = (id: string, home: string | undefined): RegistryObjectXml => ({
  kind: 'ExtrinsicObject',
  id,
  ...(home !== undefined ? { home } : {}),
  xml: `<rim:ExtrinsicObject xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" id="${id}"${home !== undefined ? ` home="${home}"` : ''}/>`,
});
const answered = (c: typeof A, objects: RegistryObjectXml[], errors: RegistryError[] = []): QueryLeg => ({
  community: c,
  outcome: 'answered',
  // A codec passes no community @status on: the status is derived from errors and objects.
  response: { errors, objects: objects.map(ebrim) },
});
const ebrim = (object: RegistryObjectXml): FederatedObject => ({ form: 'ebrim', object });
/** The rim element of a consolidated `ebrim` object. */
const rimOf = (o: FederatedObject): RegistryObjectXml => {
  if (o.form !== 'ebrim') throw new Error(`expected an ebrim object, got ${o.form}`);
  return o.object;
};
const failed = (c: typeof A, failure: LegFailure): QueryLeg => ({ community: c, outcome: 'failed', failure });

describe('consolidateQuery', () => {
  const cases: { name: string; legs: QueryLeg[]; status: string; errors: RegistryError[]; ids: string[] }[] =
    [
      {
        name: 'all communities answer',
        legs: [
          answered(A, [obj('urn:uuid:a1', A.homeCommunityId)]),
          answered(B, [obj('urn:uuid:b1', B.homeCommunityId)]),
        ],
        status: ResponseStatus.Success,
        errors: [],
        ids: ['urn:uuid:a1', 'urn:uuid:b1'],
      },
      {
        name: 'no community knows the patient',
        legs: [answered(A, []), answered(B, [])],
        status: ResponseStatus.Success,
        errors: [],
        ids: [],
      },
      {
        name: 'one community times out',
        legs: [
          answered(A, [obj('urn:uuid:a1', A.homeCommunityId)]),
          failed(B, { reason: 'timeout', deadlineMs: 10000 }),
        ],
        status: ResponseStatus.PartialSuccess,
        errors: [
          {
            errorCode: 'XDSUnavailableCommunity',
            codeContext: `community ${B.homeCommunityId} (south) did not answer within 10000 ms`,
            severity: E,
            location: B.homeCommunityId,
          },
        ],
        ids: ['urn:uuid:a1'],
      },
      {
        name: 'one community refuses, the other answers with nothing',
        legs: [answered(A, []), failed(B, { reason: 'refused', detail: 'ECONNREFUSED' })],
        status: ResponseStatus.PartialSuccess,
        errors: [
          {
            errorCode: 'XDSUnavailableCommunity',
            codeContext: `community ${B.homeCommunityId} (south) refused the connection (ECONNREFUSED)`,
            severity: E,
            location: B.homeCommunityId,
          },
        ],
        ids: [],
      },
      {
        name: 'none answers',
        legs: [
          failed(A, { reason: 'reset', detail: 'socket hang up' }),
          failed(B, { reason: 'http-status', httpStatus: 503, detail: 'text/html' }),
        ],
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: 'XDSUnavailableCommunity',
            codeContext: `community ${A.homeCommunityId} (north) closed the connection before answering (socket hang up)`,
            severity: E,
            location: A.homeCommunityId,
          },
          {
            errorCode: 'XDSUnavailableCommunity',
            codeContext: `community ${B.homeCommunityId} (south) answered HTTP 503 without a SOAP envelope`,
            severity: E,
            location: B.homeCommunityId,
          },
        ],
        ids: [],
      },
      {
        name: 'a SOAP Fault and a malformed body are unusable answers (XDSRegistryError)',
        legs: [
          failed(A, { reason: 'soap-fault', faultCode: 'Receiver', faultReason: 'db down' }),
          failed(B, { reason: 'malformed', detail: 'not XML' }),
        ],
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: 'XDSRegistryError',
            codeContext: `community ${A.homeCommunityId} (north) answered a SOAP Fault (Receiver: db down)`,
            severity: E,
            location: A.homeCommunityId,
          },
          {
            errorCode: 'XDSRegistryError',
            codeContext: `community ${B.homeCommunityId} (south) answered with a body that is not a SOAP 1.2 envelope (not XML)`,
            severity: E,
            location: B.homeCommunityId,
          },
        ],
        ids: [],
      },
      {
        name: "a community's own error is forwarded at its location (NIST 15814)",
        legs: [
          answered(A, [], [{ errorCode: 'XDSRegistryError', codeContext: 'oops', severity: E }]),
          answered(B, [obj('urn:uuid:b1', B.homeCommunityId)]),
        ],
        status: ResponseStatus.PartialSuccess,
        errors: [
          { errorCode: 'XDSRegistryError', codeContext: 'oops', severity: E, location: A.homeCommunityId },
        ],
        ids: ['urn:uuid:b1'],
      },
      {
        name: 'status Success with an Error entry is not trusted',
        legs: [
          answered(
            A,
            [],
            [{ errorCode: 'XDSRegistryBusy', codeContext: 'busy', severity: E, location: 'elsewhere' }],
          ),
        ],
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: 'XDSRegistryBusy',
            codeContext: 'busy (community location: elsewhere)',
            severity: E,
            location: A.homeCommunityId,
          },
        ],
        ids: [],
      },
      {
        name: 'warnings alone keep Success',
        legs: [
          answered(
            A,
            [obj('urn:uuid:a1', A.homeCommunityId)],
            [{ errorCode: 'XDSRegistryError', codeContext: 'note', severity: W }],
          ),
        ],
        status: ResponseStatus.Success,
        errors: [
          { errorCode: 'XDSRegistryError', codeContext: 'note', severity: W, location: A.homeCommunityId },
        ],
        ids: ['urn:uuid:a1'],
      },
      {
        name: 'missing home is set with a Warning; a foreign home is dropped with an Error',
        legs: [answered(A, [obj('urn:uuid:a1', undefined), obj('urn:uuid:a2', B.homeCommunityId)])],
        status: ResponseStatus.PartialSuccess,
        errors: [
          {
            errorCode: 'XDSRegistryError',
            codeContext: `community ${A.homeCommunityId} (north) returned ExtrinsicObject urn:uuid:a1 without home; nir-sim set home to ${A.homeCommunityId}`,
            severity: W,
            location: A.homeCommunityId,
          },
          {
            errorCode: 'XDSRegistryError',
            codeContext: `community ${A.homeCommunityId} (north) returned ExtrinsicObject urn:uuid:a2 with home ${B.homeCommunityId}; it was dropped because it names another community`,
            severity: E,
            location: A.homeCommunityId,
          },
        ],
        ids: ['urn:uuid:a1'],
      },
    ];
  it.each(cases)('$name', ({ legs, status, errors, ids }) => {
    const r = consolidateQuery(legs);
    expect(r.status).toBe(status);
    expect(r.errors).toEqual(errors);
    expect(r.objects.map((o) => rimOf(o).id)).toEqual(ids);
    for (const o of r.objects.map(rimOf)) expect(o.xml).toContain(`home="${o.home}"`);
  });

  it('sets home on an object whose home is blank, keeping one well-formed home attribute', () => {
    const rim = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';
    const xml = `<rim:ExtrinsicObject xmlns:rim="${rim}" id="urn:uuid:a1" home=" " mimeType="a&gt;b"><rim:Name/></rim:ExtrinsicObject>`;
    const r = consolidateQuery([answered(A, [{ kind: 'ExtrinsicObject', id: 'urn:uuid:a1', xml }])]);
    expect(r.objects.map((o) => rimOf(o).home)).toEqual([A.homeCommunityId]);
    const root = parseXml(rimOf(r.objects[0]!).xml).documentElement!;
    expect(root.attributes.map((a) => [a.name, a.value])).toEqual([
      ['xmlns:rim', rim],
      ['id', 'urn:uuid:a1'],
      ['home', A.homeCommunityId],
      ['mimeType', 'a>b'],
    ]);
    expect(childElements(root, rim, 'Name')).toHaveLength(1);
  });

  it("sets home in the DocumentEntry the leg decoded too (a copy), and keeps a decode's error", () => {
    const entry = { ...fhirDocument(1, undefined).entry, homeCommunityId: '' };
    const error = new Error('rim:ExtrinsicObject: @id is missing');
    const r = consolidateQuery([
      {
        community: A,
        outcome: 'answered',
        response: {
          errors: [],
          objects: [
            { form: 'ebrim', object: obj('urn:uuid:a1', undefined), decoded: { entry } },
            { form: 'ebrim', object: obj('urn:uuid:a2', undefined), decoded: { error } },
          ],
        },
      },
    ]);
    expect(r.objects.map((o) => (o.form === 'ebrim' ? [o.object.home, o.decoded] : o.form))).toEqual([
      [A.homeCommunityId, { entry: { ...entry, homeCommunityId: A.homeCommunityId } }],
      [A.homeCommunityId, { error }],
    ]);
    expect(entry.homeCommunityId).toBe('');
  });

  it('broker errors alone give Failure', () => {
    const err: RegistryError = { errorCode: 'XDSUnknownPatientId', codeContext: 'bad', severity: E };
    expect(consolidateQuery([], [err])).toEqual({
      status: ResponseStatus.Failure,
      errors: [err],
      objects: [],
    });
  });
});

describe('consolidateRetrieve', () => {
  const doc = (c: typeof A, id: string, hcid = c.homeCommunityId) => ({
    homeCommunityId: hcid,
    repositoryUniqueId: '1.2.3',
    documentUniqueId: id,
    mimeType: 'application/pdf',
    content: Buffer.from(id),
  });
  it('merges documents and locates per-community failures', () => {
    const legs: RetrieveLeg[] = [
      {
        community: A,
        outcome: 'answered',
        requestedDocumentIds: ['1.1', '1.2'],
        response: {
          status: ResponseStatus.Success,
          errors: [{ errorCode: 'XDSDocumentUniqueIdError', codeContext: 'no 1.2', severity: E }],
          documents: [doc(A, '1.1')],
        },
      },
      {
        community: B,
        outcome: 'failed',
        requestedDocumentIds: ['2.1'],
        failure: { reason: 'timeout', deadlineMs: 500 },
      },
    ];
    const r = consolidateRetrieve(legs);
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.documents.map((d) => [d.homeCommunityId, d.documentUniqueId])).toEqual([
      [A.homeCommunityId, '1.1'],
    ]);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSDocumentUniqueIdError',
        codeContext: 'no 1.2',
        severity: E,
        location: A.homeCommunityId,
      },
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${B.homeCommunityId} (south) did not answer within 500 ms for document(s) 2.1`,
        severity: E,
        location: B.homeCommunityId,
      },
    ]);
  });
  it('no documents at all is Failure; a foreign HomeCommunityId is dropped', () => {
    const legs: RetrieveLeg[] = [
      {
        community: A,
        outcome: 'answered',
        requestedDocumentIds: ['1.1'],
        response: {
          status: ResponseStatus.Success,
          errors: [],
          documents: [doc(A, '1.1', B.homeCommunityId)],
        },
      },
    ];
    const r = consolidateRetrieve(legs);
    expect(r.status).toBe(ResponseStatus.Failure);
    expect(r.documents).toEqual([]);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSRegistryError',
        codeContext: `community ${A.homeCommunityId} (north) returned DocumentResponse 1.1 with home ${B.homeCommunityId}; it was dropped because it names another community`,
        severity: E,
        location: A.homeCommunityId,
      },
    ]);
  });
});

describe('consolidateQuery: unknown patient', () => {
  it('a community that does not know the patient is a Warning, not a failure', () => {
    const r = consolidateQuery([
      answered(
        A,
        [],
        [{ errorCode: 'XDSUnknownPatientId', codeContext: 'patient X is not known to North', severity: E }],
      ),
      answered(B, [obj('urn:uuid:b1', B.homeCommunityId)]),
    ]);
    expect(r.status).toBe(ResponseStatus.Success);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSUnknownPatientId',
        codeContext:
          'patient X is not known to North (community does not know the patient; nir-sim reports this as a Warning)',
        severity: W,
        location: A.homeCommunityId,
      },
    ]);
  });
});

describe("consolidateQuery: an MHD community's DocumentReferences (fhir objects)", () => {
  const fhirLeg = (c: typeof A, objects: FederatedObject[]): QueryLeg => ({
    community: c,
    outcome: 'answered',
    response: { errors: [], objects },
  });

  it('keeps its own, sets a missing home in home, entry and extension with a Warning, drops a foreign one with an Error', () => {
    const own = fhirDocument(1, A.homeCommunityId);
    const homeless = fhirDocument(2, undefined);
    const foreign = fhirDocument(3, B.homeCommunityId);
    const sent = structuredClone(homeless);
    const r = consolidateQuery([
      fhirLeg(A, [own, homeless, foreign]),
      answered(B, [obj('urn:uuid:b1', B.homeCommunityId)]),
    ]);
    expect(r).toEqual({
      status: ResponseStatus.PartialSuccess,
      errors: [
        {
          errorCode: 'XDSRegistryError',
          codeContext: `community ${A.homeCommunityId} (north) returned DocumentReference ${homeless.id} without home; nir-sim set home to ${A.homeCommunityId}`,
          severity: W,
          location: A.homeCommunityId,
        },
        {
          errorCode: 'XDSRegistryError',
          codeContext: `community ${A.homeCommunityId} (north) returned DocumentReference ${foreign.id} with home ${B.homeCommunityId}; it was dropped because it names another community`,
          severity: E,
          location: A.homeCommunityId,
        },
      ],
      objects: [
        own,
        {
          ...homeless,
          home: A.homeCommunityId,
          entry: { ...homeless.entry, homeCommunityId: A.homeCommunityId },
          resource: {
            ...homeless.resource,
            extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: A.homeCommunityId }],
          },
        },
        ebrim(obj('urn:uuid:b1', B.homeCommunityId)),
      ],
    });
    // The community's answer is not changed: consolidation copies what it sets.
    expect(homeless).toEqual(sent);
  });

  it("replaces an empty extension of another spelling and keeps the resource's other extensions", () => {
    const homeless = fhirDocument(4, undefined);
    const other = { url: 'https://fhir.nhs.uk/StructureDefinition/Extension-Example', valueString: 'kept' };
    homeless.resource.extension = [
      { url: 'https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-homeCommunityId', valueOid: '' },
      other,
    ];
    const r = consolidateQuery([fhirLeg(A, [homeless])]);
    expect(r.status).toBe(ResponseStatus.Success);
    const o = r.objects[0]!;
    expect(o.form === 'fhir' && o.resource.extension).toEqual([
      { url: HOME_COMMUNITY_ID_EXTENSION, valueOid: A.homeCommunityId },
      other,
    ]);
  });

  it("an MHD community's RegistryErrors are located at it like an XCA community's", () => {
    const r = consolidateQuery([
      {
        community: A,
        outcome: 'answered',
        response: {
          errors: [{ errorCode: 'XDSRegistryError', codeContext: 'OperationOutcome error', severity: E }],
          objects: [],
        },
      },
      fhirLeg(B, [fhirDocument(5, B.homeCommunityId)]),
    ]);
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSRegistryError',
        codeContext: 'OperationOutcome error',
        severity: E,
        location: A.homeCommunityId,
      },
    ]);
  });
});

describe("consolidateQuery: an MHD community's failed leg", () => {
  const M = { name: 'east-mhd', homeCommunityId: 'urn:oid:1.2.826.0.1.9.7', protocol: 'mhd' as const };
  it('is worded for FHIR, not for a SOAP envelope it was never meant to send', () => {
    const r = consolidateQuery([
      {
        community: M,
        outcome: 'failed',
        failure: {
          reason: 'malformed',
          detail: 'the ITI-67 answer is not FHIR JSON (Unexpected end of JSON input)',
        },
      },
      {
        community: M,
        outcome: 'failed',
        failure: { reason: 'http-status', httpStatus: 503, detail: 'Service Unavailable' },
      },
      answered(A, [obj('urn:uuid:a1', A.homeCommunityId)]),
    ]);
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSRegistryError',
        codeContext: `community ${M.homeCommunityId} (east-mhd) answered with an unreadable body (the ITI-67 answer is not FHIR JSON (Unexpected end of JSON input))`,
        severity: E,
        location: M.homeCommunityId,
      },
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${M.homeCommunityId} (east-mhd) answered HTTP 503 (Service Unavailable)`,
        severity: E,
        location: M.homeCommunityId,
      },
    ]);
  });
});
