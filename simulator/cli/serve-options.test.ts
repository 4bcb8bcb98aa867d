/**
 * The option values of `sim serve broker` (simulator/cli/commands/serve.ts), which the container
 * plan writes and people may edit in a compose file: every mistake is one line saying what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { parseCommunities, parseConsumers, parseExternal, reachable } from './commands/serve.js';
import { SimError } from '../shared/errors.js';

function threw(f: () => unknown): SimError {
  try {
    f();
  } catch (err) {
    if (err instanceof SimError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('serve broker option values', () => {
  it('--community: name, homeCommunityId, url and control', () => {
    expect(
      parseCommunities([
        'name=north,homeCommunityId=urn:oid:1.2.3,url=http://north:9001,control=http://north:9090',
      ]),
    ).toEqual([
      {
        name: 'north',
        homeCommunityId: 'urn:oid:1.2.3',
        url: 'http://north:9001',
        controlUrl: 'http://north:9090',
      },
    ]);
    const e = threw(() =>
      parseCommunities(['name=North,homeCommunityId=1.2.3,url=ftp://x,control=http://n:1,extra=1']),
    );
    expect([e.code, e.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      '--community name=North,homeCommunityId=1.2.3,url=ftp://x,control=http://n:1,extra=1: name: kebab-case name; homeCommunityId: urn:oid:<OID>; url: Invalid URL; value: Unrecognized key: "extra"',
    ]);
    expect(threw(() => parseCommunities(['north'])).message).toBe(
      "--community north: 'north' is not key=value",
    );
  });

  it('--external: a supplier gateway with an optional RAD-75 URL', () => {
    expect(
      parseExternal([
        'name=sup,homeCommunityId=urn:oid:1.9,iti38Url=https://s/q,iti39Url=https://s/r,rad75Url=https://s/i',
      ]),
    ).toEqual([
      {
        kind: 'external',
        name: 'sup',
        homeCommunityId: 'urn:oid:1.9',
        iti38Url: 'https://s/q',
        iti39Url: 'https://s/r',
        rad75Url: 'https://s/i',
      },
    ]);
  });

  it('--community protocol=mhd: a simulated MHD community; any other protocol is one line', () => {
    expect(
      parseCommunities([
        'name=south,homeCommunityId=urn:oid:1.2.4,url=http://south:9001,control=http://south:9090,protocol=mhd',
      ]),
    ).toEqual([
      {
        name: 'south',
        homeCommunityId: 'urn:oid:1.2.4',
        url: 'http://south:9001',
        controlUrl: 'http://south:9090',
        protocol: 'mhd',
      },
    ]);
    expect(
      threw(() =>
        parseCommunities([
          'name=s,homeCommunityId=urn:oid:1.2.4,url=http://s:1,control=http://s:2,protocol=fhir',
        ]),
      ).message,
    ).toBe(
      '--community name=s,homeCommunityId=urn:oid:1.2.4,url=http://s:1,control=http://s:2,protocol=fhir: protocol: protocol must be xca or mhd',
    );
  });

  it('--external protocol=mhd: a supplier MHD responder by its FHIR base; XCA URLs are refused there', () => {
    expect(
      parseExternal(['name=sup,homeCommunityId=urn:oid:1.9,protocol=mhd,fhirBase=https://s/fhir']),
    ).toEqual([
      {
        kind: 'external',
        name: 'sup',
        homeCommunityId: 'urn:oid:1.9',
        protocol: 'mhd',
        fhirBase: 'https://s/fhir',
      },
    ]);
    expect(
      threw(() => parseExternal(['name=sup,homeCommunityId=urn:oid:1.9,protocol=mhd,iti38Url=https://s/q']))
        .message,
    ).toBe(
      '--external name=sup,homeCommunityId=urn:oid:1.9,protocol=mhd,iti38Url=https://s/q: fhirBase: the MHD responder\'s FHIR base URL (http(s)://host[:port]/path, ITI-67 at {fhirBase}/DocumentReference); value: Unrecognized key: "iti38Url"',
    );
  });

  it('--consumers: JSON of profiles by homeCommunityId; bad JSON and bad ids are one line each', () => {
    expect(parseConsumers('{"pacs":{"include":["urn:oid:1.2.3"]}}')).toEqual({
      pacs: { include: ['urn:oid:1.2.3'] },
    });
    expect(threw(() => parseConsumers('{pacs')).message).toMatch(/^--consumers: not JSON \(.+\)$/);
    expect(threw(() => parseConsumers('{"pacs":{"exclude":["north"],"only":[]}}')).message).toBe(
      '--consumers: pacs.exclude.0: urn:oid:<OID>; pacs: Unrecognized key: "only"',
    );
  });

  it('the broker calls its own sandbox at a loopback address when it listens on a wildcard one', () => {
    expect(reachable('http://0.0.0.0:8080')).toBe('http://127.0.0.1:8080');
    expect(reachable('http://[::]:8080')).toBe('http://[::1]:8080');
    expect(reachable('http://127.0.0.1:43123')).toBe('http://127.0.0.1:43123');
    expect(reachable('http://broker:8080')).toBe('http://broker:8080');
  });
});
