/**
 * Reading scenario files: valid files get their defaults, and a bad file gets every problem at
 * once (YAML syntax, schema, semantic rules, community names), each with its line and path.
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from './scenario-file.js';

const minimal = `schemaVersion: 1
name: minimal
description: the smallest useful scenario
steps:
  - kind: query
    patient: known-to-all
    expect:
      status: Success
`;

describe('parseScenarioText', () => {
  it('fills in the defaults of a minimal scenario', () => {
    const r = parseScenarioText(minimal);
    expect(r).toEqual({
      ok: true,
      scenario: {
        schemaVersion: 1,
        name: 'minimal',
        description: 'the smallest useful scenario',
        topology: { seed: 1, broker: { deadlineMs: 10_000, consumers: {} }, external: [], faults: [] },
        steps: [
          {
            kind: 'query',
            storedQuery: 'FindDocuments',
            returnType: 'LeafClass',
            status: ['Approved'],
            patient: 'known-to-all',
            expect: { status: 'Success' },
          },
        ],
      },
    });
  });

  it('reports every schema and semantic problem at once, in file order, with lines', () => {
    const text = `schemaVersion: 1
name: Bad Name
description: broken on purpose
topology:
  faults:
    - { name: nw-slow, gateway: north-west-imaging-network, kind: latency, latencyMs: 100 }
steps:
  - kind: query
    id: find
    patient: known-to-al
    expext: {}
    expect:
      status: Succes
  - kind: retrieve
    from: nowhere
    expect: {}
  - kind: query
    id: find
    storedQuery: GetDocuments
    patient: known-to-all
    expect:
      soapFault: Sender
      documents: 3
  - kind: clear-faults
    names: [nw-slow, not-there]
  - kind: fly
`;
    const r = parseScenarioText(text);
    expect(r).toEqual({
      ok: false,
      problems: [
        'line 2: name: a kebab-case name (a-z, 0-9, -)',
        'line 10: steps.0.patient: a role (known-to-all, known-to-one, known-to-none, invalid-nhs-number), { role, community }, { nhsNumber } or { patientId }',
        'line 11: steps.0.expext: unknown field (check its spelling and place)',
        'line 13: steps.0.expect.status: Invalid option: expected one of "Success"|"PartialSuccess"|"Failure"',
        "line 15: steps.1.from: 'nowhere' is not the id of an earlier query or find-document-references step",
        'line 16: steps.1.expect: expect needs `status` (and its exact `errors`, none when left out) or `soapFault`',
        'line 17: steps.2: GetDocuments needs exactly one of `documents` (from an earlier step) or `uniqueIds`',
        "line 18: steps.2.id: step id 'find' is already used by step 1",
        'line 20: steps.2.patient: GetDocuments has no patient: pick documents with `documents` or `uniqueIds`',
        'line 23: steps.2.expect.documents: a SOAP Fault carries no documents: leave it out or drop soapFault',
        "line 25: steps.3.names.1: no fault named 'not-there' is active before this step",
        "line 26: steps.4.kind: Invalid discriminator value. Expected 'query' | 'retrieve' | 'find-document-references' | 'retrieve-document' | 'add-faults' | 'clear-faults' | 'wait'",
      ],
    });
  });

  it('reports YAML syntax errors with their lines', () => {
    const r = parseScenarioText('schemaVersion: 1\nname: x\nname: y\nsteps: [\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.length).toBeGreaterThanOrEqual(2);
    expect(r.problems[0]).toMatch(/^line 3: YAML: Map keys must be unique/);
    expect(r.problems.every((p) => /^line \d+: YAML: /.test(p))).toBe(true);
  });

  it('requires the name to match a .scenario.yaml file name', () => {
    expect(parseScenarioText(minimal, '/x/other.scenario.yaml')).toEqual({
      ok: false,
      problems: ["line 2: name: 'minimal' must match the file name other.scenario.yaml (name: other)"],
    });
    expect(parseScenarioText(minimal, '/x/minimal.scenario.yaml').ok).toBe(true);
  });

  it('checks every community the scenario names once the topology is known', () => {
    const text = `schemaVersion: 1
name: names
description: community names
topology:
  faults:
    - { name: f1, gateway: atlantis-imaging-network, kind: refuse }
steps:
  - kind: query
    id: find
    patient: { role: known-to-one, community: north-east-imaging-network }
    home: urn:oid:1.2.3
    expect:
      status: PartialSuccess
      errors:
        - { errorCode: XDSUnavailableCommunity, severity: Error, location: lyonesse }
        - { errorCode: XDSUnknownCommunity, severity: Error, location: none }
      documentsPerCommunity: { north-east-imaging-network: 1, avalon: 2 }
  - kind: retrieve
    from: find
    pick: { community: camelot }
    extra:
      - { community: none, repositoryUniqueId: 1.2.9, documentUniqueId: 1.2.3 }
    expect: { status: Success }
`;
    const r = parseScenarioText(text, undefined, {
      communityNames: ['north-east-imaging-network', 'north-west-imaging-network'],
    });
    const known = '(known: north-east-imaging-network, north-west-imaging-network)';
    expect(r).toEqual({
      ok: false,
      problems: [
        `line 6: topology.faults.0.gateway: no community named 'atlantis-imaging-network' in the topology ${known}`,
        `line 15: steps.0.expect.errors.0.location: no community named 'lyonesse' in the topology ${known}`,
        `line 17: steps.0.expect.documentsPerCommunity.avalon: no community named 'avalon' in the topology ${known}`,
        `line 20: steps.1.pick.community: no community named 'camelot' in the topology ${known}`,
      ],
    });
  });

  it('checks the MHD steps: where ITI-68 documents come from, what each answer can carry, community names', () => {
    const text = `schemaVersion: 1
name: mhd
description: MHD steps broken on purpose
steps:
  - kind: wait
    id: pause
    ms: 1
  - kind: find-document-references
    id: find
    patient: known-to-all
    creation: {}
    targetCommunities: [north-east-imaging-network, urn:oid:1.2.3, avalon]
    expect:
      contentType: application/pdf
      issues:
        - { severity: error, code: timeout, community: lyonesse }
  - kind: retrieve-document
    expect: { httpStatus: 404 }
  - kind: retrieve-document
    from: pause
    pick: { community: camelot }
    expect:
      documents: 1
  - kind: retrieve-document
    from: find
    expect: { httpStatus: 200, contentType: application/dicom }
`;
    const r = parseScenarioText(text, undefined, {
      communityNames: ['north-east-imaging-network', 'north-west-imaging-network'],
    });
    const known = '(known: north-east-imaging-network, north-west-imaging-network)';
    expect(r).toEqual({
      ok: false,
      problems: [
        'line 11: steps.1.creation: give `ge`, `lt` or both',
        `line 12: steps.1.targetCommunities.2: no community named 'avalon' in the topology ${known}`,
        'line 14: steps.1.expect.contentType: an ITI-67 answer is a searchset Bundle: expect documents, not a contentType',
        `line 16: steps.1.expect.issues.0.community: no community named 'lyonesse' in the topology ${known}`,
        'line 17: steps.2: a retrieve-document step needs `from` (an earlier query or find-document-references step) or `extra`',
        "line 20: steps.3.from: 'pause' is not the id of an earlier query or find-document-references step",
        `line 21: steps.3.pick.community: no community named 'camelot' in the topology ${known}`,
        'line 23: steps.3.expect.documents: an ITI-68 answer is one document: documents belongs to find-document-references',
      ],
    });
  });
});
