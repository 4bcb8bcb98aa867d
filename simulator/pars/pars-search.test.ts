/** PARS's FHIR search over AuditEvents: patient, date (prefixes, precision), subtype, agent. */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from 'fhir/r4.js';
import { parseAuditEventSearch } from './search.js';

function event(
  id: string,
  recorded: string,
  subtype: string,
  patient: string | undefined,
  agent: string,
): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id,
    type: { code: '110112' },
    subtype: [{ system: 'urn:ihe:event-type-code', code: subtype }],
    recorded,
    agent: [
      {
        who: {
          type: 'Organization',
          identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RRK' },
        },
        requestor: true,
      },
      {
        who: {
          type: 'Endpoint',
          identifier: { system: 'https://nir-sim.invalid/Id/consumer', value: agent },
        },
        requestor: false,
      },
    ],
    source: { observer: { display: 'nir' } },
    entity: patient
      ? [
          {
            what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: patient } },
            role: { code: '1' },
          },
        ]
      : [],
  };
}

const events = [
  event('a', '2025-03-13T23:59:59.999Z', 'ITI-38', '9995649284', 'acme'),
  event('b', '2025-03-14T09:30:00.000Z', 'ITI-39', '9995649284', 'acme'),
  event('c', '2025-03-14T10:00:00.000Z', 'ITI-38', '9995527421', 'other'),
  event('d', '2025-04-01T00:00:00.000Z', 'ITI-38', undefined, 'acme'),
];

function ids(query: string): string[] {
  const r = parseAuditEventSearch([...new URLSearchParams(query)]);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return events.filter((e) => r.search.matches(e)).map((e) => e.id!);
}

describe('AuditEvent search', () => {
  it('matches patient by NHS number, system|value or Patient/ reference', () => {
    expect(ids('patient=9995649284')).toEqual(['a', 'b']);
    expect(ids('patient=https://fhir.nhs.uk/Id/nhs-number|9995527421')).toEqual(['c']);
    expect(ids('patient=other-system|9995527421')).toEqual([]);
    expect(ids('patient=Patient/9995527421,9995649284')).toEqual(['a', 'b', 'c']);
    expect(ids('patient:missing=true')).toEqual(['d']);
    expect(ids('patient:missing=false&agent=acme')).toEqual(['a', 'b']);
    expect(parseAuditEventSearch([['patient:missing', 'yes']])).toEqual({
      ok: false,
      problems: ['patient:missing=yes: true or false'],
    });
  });

  it('matches date at the precision given, with prefixes, repeated for a range', () => {
    expect(ids('date=2025-03-14')).toEqual(['b', 'c']);
    expect(ids('date=2025-03')).toEqual(['a', 'b', 'c']);
    expect(ids('date=ge2025-03-14&date=lt2025-03-14T10:00:00Z')).toEqual(['b']);
    expect(ids('date=gt2025-03-14')).toEqual(['d']);
    expect(ids('date=le2025-03-13')).toEqual(['a']);
    expect(ids('date=ne2025')).toEqual([]);
  });

  it('matches subtype and agent tokens, ANDed across parameters', () => {
    expect(ids('subtype=urn:ihe:event-type-code|ITI-39')).toEqual(['b']);
    expect(ids('subtype=ITI-38&agent=acme')).toEqual(['a', 'd']);
    expect(ids('agent=RRK&patient=9995527421')).toEqual(['c']);
    expect(ids('agent=https://nir-sim.invalid/Id/consumer|other')).toEqual(['c']);
  });

  it('lists every problem of a bad search', () => {
    expect(parseAuditEventSearch([...new URLSearchParams('date=yesterday&_count=0&user=x')])).toEqual({
      ok: false,
      problems: [
        'date=yesterday: expected [eq|ne|lt|le|gt|ge]YYYY[-MM[-DD[Thh:mm[:ss[.sss]]Z|±hh:mm]]]',
        '_count=0: a whole number from 1 to 10000',
        'user: not a supported search parameter (patient, patient:missing, date, subtype, agent, _count, _offset)',
      ],
    });
  });
});
