import { describe, expect, it } from 'vitest';
import { validateFhirResource } from '../fhir/schema-validator.js';
import {
  MHD_COMPREHENSIVE_DOCUMENT_REFERENCE,
  documentResponderCapabilityStatement,
} from './capability-statement.js';
import { parseFindDocumentReferences } from './find-document-references.js';
import { MHD_DOCUMENT_RESPONDER_CAPABILITY, SEARCH_PARAMETERS } from './search-parameters.js';

const options = { fhirBase: 'https://127.0.0.1:8443/fhir', date: '2026-12-03T08:00:00Z', version: '1.2.3' };

describe('the MHD Document Responder CapabilityStatement', () => {
  it('is a valid FHIR R4 CapabilityStatement on both ports (official JSON schema)', () => {
    for (const integration of [false, true]) {
      const cs = documentResponderCapabilityStatement({ ...options, integration });
      expect(validateFhirResource('CapabilityStatement', cs)).toEqual({ ok: true });
    }
    // The check can fail: a kind outside capability-statement-kind is refused.
    const refused = validateFhirResource('CapabilityStatement', {
      ...documentResponderCapabilityStatement({ ...options, integration: false }),
      kind: 'server',
    });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.problems.map((p) => p.expression)).toContain('CapabilityStatement.kind');
  }, 60_000);

  it('has what MHD asks of a Document Responder: instantiates, search-type with patient and status, ITI-68 read', () => {
    const cs = documentResponderCapabilityStatement({ ...options, integration: false });
    expect(cs).toMatchObject({
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: options.date,
      kind: 'instance',
      instantiates: [MHD_DOCUMENT_RESPONDER_CAPABILITY],
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'json'],
      implementation: { url: options.fhirBase },
      software: { version: '1.2.3' },
    });
    expect(cs.implementation?.description).toMatch(/ITI-68 Retrieve Document .* WADO-RS study retrieve/);
    const [rest] = cs.rest!;
    expect(rest!.mode).toBe('server');
    expect(rest!.security).toBeUndefined();
    const [docRef, binary] = rest!.resource!;
    expect(docRef!.type).toBe('DocumentReference');
    expect(docRef!.profile).toBe(MHD_COMPREHENSIVE_DOCUMENT_REFERENCE);
    expect(docRef!.interaction!.map((i) => i.code)).toEqual(['search-type']);
    expect(docRef!.interaction![0]!.documentation).toMatch(/POST \[base\]\/DocumentReference\/_search/);
    expect(binary).toMatchObject({ type: 'Binary', interaction: [{ code: 'read' }] });
    const names = docRef!.searchParam!.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['patient', 'patient.identifier', 'status', 'related', 'targetCommunityIdList']),
    );
    expect(docRef!.searchParam!.find((p) => p.name === 'targetCommunityIdList')).toEqual({
      name: 'targetCommunityIdList',
      definition: 'https://profiles.ihe.net/ITI/MHD/SearchParameter/IHE-TargetCommunityIdList',
      type: 'uri',
      documentation: expect.stringMatching(/^MHD 4\.2\.4 Target Communities/) as string,
    });
  });

  it("a simulated community's statement describes that community's documents, not the broker's fan-out", () => {
    const community = { displayName: 'North Imaging', homeCommunityId: 'urn:oid:1.2.826.0.1.3680043.10.1' };
    const who = 'North Imaging (urn:oid:1.2.826.0.1.3680043.10.1)';
    const cs = documentResponderCapabilityStatement({ ...options, integration: false, community });
    expect(validateFhirResource('CapabilityStatement', cs)).toEqual({ ok: true });
    const [docRef, binary] = cs.rest![0]!.resource!;
    const texts = {
      software: cs.software?.name,
      implementation: cs.implementation?.description,
      rest: cs.rest![0]!.documentation,
      iti67: docRef!.interaction![0]!.documentation!,
      iti68: binary!.interaction![0]!.documentation!,
    };
    expect({
      ...texts,
      iti67: texts.iti67.includes(`answered from the registry of ${who} alone`),
      iti68: texts.iti68.includes(`the document bytes from the repository of ${who}`),
    }).toEqual({
      software: 'nir-sim simulated MHD community',
      implementation: `${who}: a simulated MHD Document Responder over its data pack.`,
      rest: `MHD Document Responder of ${who}, a simulated community over its data pack.`,
      iti67: true,
      iti68: true,
    });
    for (const t of Object.values(texts)) expect(t).not.toMatch(/ITI-38|ITI-39|RAD-75|WADO|every community/);
    // The broker's statement still describes the fan-out.
    const broker = documentResponderCapabilityStatement({ ...options, integration: false });
    expect(broker.rest![0]!.resource![0]!.interaction![0]!.documentation).toContain(
      'ITI-38 Cross Gateway Query',
    );
  });

  it('the integration port declares mutual TLS and an IUA bearer token', () => {
    const cs = documentResponderCapabilityStatement({ ...options, integration: true });
    expect(cs.rest![0]!.security).toMatchObject({
      cors: false,
      service: [{ coding: [{ code: 'Certificates' }, { code: 'OAuth' }] }],
    });
  });

  it('lists every parameter the ITI-67 parser serves, and the parser serves every listed one', () => {
    const cs = documentResponderCapabilityStatement({ ...options, integration: false });
    const listed = cs.rest![0]!.resource![0]!.searchParam!;
    expect(listed.map((p) => [p.name, p.type, p.definition])).toEqual(
      SEARCH_PARAMETERS.map((p) => [p.name, p.type, p.definition]),
    );
    const unknown = (name: string): boolean => {
      const r = parseFindDocumentReferences(new URLSearchParams([[name, 'x']]));
      return !r.ok && r.problems.some((p) => p.diagnostics.startsWith(`unknown search parameter '${name}'`));
    };
    for (const p of listed) expect(unknown(p.name), p.name).toBe(false);
    for (const name of ['subject', 'date', 'author', 'contenttype', '_id', '_count', 'relatesto']) {
      expect(
        listed.some((p) => p.name === name),
        name,
      ).toBe(false);
      expect(unknown(name), name).toBe(true);
    }
  });
});
