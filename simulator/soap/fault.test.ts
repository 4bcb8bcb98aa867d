import { describe, expect, it } from 'vitest';
import { parseSoapEnvelope } from './envelope.js';
import {
  SoapFaultError,
  WsaFaultSubcode,
  buildSoapFault,
  faultHttpStatus,
  parseSoapFault,
  type SoapFaultCode,
} from './fault.js';
import { SoapNs, WSA_FAULT_ACTION } from './namespaces.js';
import { firstChild, parseXml } from './xml.js';

const ENV = SoapNs.soap12;

function readBack(xml: string): {
  env: ReturnType<typeof parseSoapEnvelope>;
  fault: ReturnType<typeof parseSoapFault>;
} {
  const env = parseSoapEnvelope(parseXml(xml), []);
  if (!env.body) throw new Error('no body');
  return { env, fault: parseSoapFault(env.body) };
}

describe('buildSoapFault / parseSoapFault', () => {
  it('round-trips a Sender fault with a WS-A subcode and RelatesTo, leaving logDetail out', () => {
    const err = new SoapFaultError('Sender', 'Action <x> & "y"', {
      subcode: WsaFaultSubcode.ActionNotSupported,
      logDetail: 'SECRET-DETAIL',
    });
    const xml = buildSoapFault(err, { relatesTo: 'urn:uuid:req' });
    expect(xml).not.toContain('SECRET-DETAIL');
    const { env, fault } = readBack(xml);
    expect(env.addressing).toMatchObject({ action: WSA_FAULT_ACTION, relatesTo: 'urn:uuid:req' });
    expect(fault).toEqual({
      code: 'Sender',
      subcode: 'wsa:ActionNotSupported',
      subcodeQName: { ns: SoapNs.wsa, local: 'ActionNotSupported' },
      reason: 'Action <x> & "y"',
    });
    const text = env.document.getElementsByTagNameNS(ENV, 'Text')[0];
    expect(text?.getAttributeNS(SoapNs.xml, 'lang')).toBe('en');
  });

  it('declares the namespace of a foreign subcode QName', () => {
    const { fault } = readBack(
      buildSoapFault(new SoapFaultError('Receiver', 'busy', { subcode: { ns: 'urn:app', local: 'Busy' } })),
    );
    expect(fault).toMatchObject({ code: 'Receiver', subcodeQName: { ns: 'urn:app', local: 'Busy' } });
  });

  it('adds env:Upgrade naming the SOAP 1.2 envelope for VersionMismatch (SOAP 1.2 Part 1 §5.4.7)', () => {
    const { env, fault } = readBack(
      buildSoapFault(new SoapFaultError('VersionMismatch', 'Only SOAP 1.2 is supported')),
    );
    expect(fault.code).toBe('VersionMismatch');
    const upgrade = env.headerBlocks.find((b) => b.localName === 'Upgrade' && b.namespaceURI === ENV);
    const supported = upgrade && firstChild(upgrade, ENV, 'SupportedEnvelope');
    const qname = supported?.getAttribute('qname') ?? '';
    expect([supported?.lookupNamespaceURI(qname.split(':')[0]!), qname.split(':')[1]]).toEqual([
      ENV,
      'Envelope',
    ]);
  });

  it('adds one env:NotUnderstood per header block for MustUnderstand (§5.4.8), uses requestMessageId as RelatesTo', () => {
    const err = new SoapFaultError('MustUnderstand', 'not understood', {
      notUnderstood: [
        { ns: 'urn:a', local: 'One' },
        { ns: 'urn:b', local: 'Two' },
      ],
      requestMessageId: 'urn:uuid:m',
    });
    const { env, fault } = readBack(buildSoapFault(err));
    expect([fault.code, env.addressing.relatesTo]).toEqual(['MustUnderstand', 'urn:uuid:m']);
    const named = env.headerBlocks
      .filter((b) => b.localName === 'NotUnderstood')
      .map((b) => {
        const [prefix, local] = (b.getAttribute('qname') ?? '').split(':');
        return { ns: b.lookupNamespaceURI(prefix ?? null), local };
      });
    expect(named).toEqual([
      { ns: 'urn:a', local: 'One' },
      { ns: 'urn:b', local: 'Two' },
    ]);
  });

  it('reads a foreign fault tolerantly, preferring English reason text', () => {
    const xml = `<e:Envelope xmlns:e="${ENV}"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code>
      <e:Reason><e:Text xml:lang="no">Feil</e:Text><e:Text xml:lang="en-GB">Failure</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>`;
    expect(readBack(xml).fault).toEqual({ code: 'Receiver', reason: 'Failure' });
  });
});

describe('faultHttpStatus (SOAP 1.2 Part 2 §7.5.1.2)', () => {
  it('maps Sender to 400 and every other code to 500', () => {
    const codes: SoapFaultCode[] = [
      'Sender',
      'Receiver',
      'VersionMismatch',
      'MustUnderstand',
      'DataEncodingUnknown',
    ];
    expect(codes.map(faultHttpStatus)).toEqual([400, 500, 500, 500, 500]);
  });
});
