import { describe, expect, it } from 'vitest';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { brokerSettings } from './k8s-broker-settings.js';

describe('brokerSettings', () => {
  it('moves every flag of the broker command into the settings file, repeated ones as arrays', () => {
    const r = brokerSettings([
      ...['serve', 'broker', '--deadline-ms', '10000', '--seed', '1'],
      ...['--consumers', '{"acme":{"exclude":["urn:oid:1.2.3"]}}'],
      ...['--community', 'name=a,homeCommunityId=urn:oid:1.1,url=http://a:9001,control=http://a:9090'],
      ...['--community', 'name=b,homeCommunityId=urn:oid:1.2,url=http://b:9001,control=http://b:9090'],
      ...['--external', 'name=s,homeCommunityId=urn:oid:9.9,iti38Url=http://s/q,iti39Url=http://s/r'],
    ]);
    expect(r.args).toEqual(['serve', 'broker', '--settings', '/etc/nir-sim/broker/settings.json']);
    expect(r.settingsJson).toBe(
      `${JSON.stringify(
        {
          'deadline-ms': '10000',
          seed: '1',
          consumers: '{"acme":{"exclude":["urn:oid:1.2.3"]}}',
          community: [
            'name=a,homeCommunityId=urn:oid:1.1,url=http://a:9001,control=http://a:9090',
            'name=b,homeCommunityId=urn:oid:1.2,url=http://b:9001,control=http://b:9090',
          ],
          external: ['name=s,homeCommunityId=urn:oid:9.9,iti38Url=http://s/q,iti39Url=http://s/r'],
        },
        null,
        2,
      )}\n`,
    );
  });

  it('refuses what the container plan never makes: another role, or a flag without its value', () => {
    expect(() => brokerSettings(['serve', 'gateway', '--seed', '1'])).toThrow(
      new SimError(SimErrorCode.Internal, 'not a broker command: serve gateway'),
    );
    expect(() => brokerSettings(['serve', 'broker', '--seed', '--deadline-ms', '5'])).toThrow(
      'broker command: --seed is not followed by a value',
    );
    expect(() => brokerSettings(['serve', 'broker', '--seed'])).toThrow(
      'broker command: --seed is not followed by a value',
    );
  });
});
