import { describe, expect, it } from 'vitest';
import { ErrorSeverity } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { decodeRegistryErrorList, decodeResponseStatus, encodeRegistryErrorList } from './registry-error.js';
import type { RegistryError } from './types.js';
import { rootOf } from './test-support/xca-fixtures.js';

const RS = 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0';

const errors: RegistryError[] = [
  {
    errorCode: 'XDSUnavailableCommunity',
    codeContext: 'Community urn:oid:1.2.3 did not answer within 5000 ms <&"\'>',
    severity: ErrorSeverity.Error,
    location: 'urn:oid:1.2.3',
  },
  { errorCode: 'XDSRegistryBusy', codeContext: 'busy', severity: ErrorSeverity.Warning },
];

describe('encodeRegistryErrorList / decodeRegistryErrorList', () => {
  it('is empty for no errors, and decodes undefined as no errors', () => {
    expect(encodeRegistryErrorList([])).toBe('');
    expect(decodeRegistryErrorList(undefined)).toEqual([]);
  });

  it('round-trips errors, with highestSeverity Error when any error is an Error', () => {
    const xml = encodeRegistryErrorList(errors);
    const el = rootOf(xml);
    expect(el.getAttribute('highestSeverity')).toBe(ErrorSeverity.Error);
    expect(decodeRegistryErrorList(el)).toEqual(errors);
  });

  it('uses highestSeverity Warning when all are warnings', () => {
    const el = rootOf(encodeRegistryErrorList([errors[1]!]));
    expect(el.getAttribute('highestSeverity')).toBe(ErrorSeverity.Warning);
  });

  it('defaults a missing severity to Error (rs.xsd) and keeps any prefix', () => {
    const el = rootOf(
      `<x:RegistryErrorList xmlns:x="${RS}"><x:RegistryError errorCode="E" codeContext="c"/></x:RegistryErrorList>`,
    );
    expect(decodeRegistryErrorList(el)).toEqual([
      { errorCode: 'E', codeContext: 'c', severity: ErrorSeverity.Error },
    ]);
  });

  it.each([
    ['no errorCode', `<RegistryError codeContext="c"/>`, /RegistryError\[1\]\/@errorCode is missing/],
    ['no codeContext', `<RegistryError errorCode="E"/>`, /@codeContext is missing/],
    [
      'bad severity',
      `<RegistryError errorCode="E" codeContext="c" severity="Error"/>`,
      /@severity "Error" is not an ErrorSeverityType URN/,
    ],
  ])('rejects %s', (_name, inner, message) => {
    const el = rootOf(`<RegistryErrorList xmlns="${RS}">${inner}</RegistryErrorList>`);
    expect(() => decodeRegistryErrorList(el)).toThrow(XcaDecodeError);
    expect(() => decodeRegistryErrorList(el)).toThrow(message);
  });

  it('rejects a RegistryErrorList outside the rs namespace', () => {
    const el = rootOf('<rim:RegistryErrorList xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"/>');
    expect(() => decodeRegistryErrorList(el)).toThrow(/expected rs:RegistryErrorList/);
  });
});

describe('decodeResponseStatus', () => {
  it('accepts the three URNs and rejects anything else', () => {
    expect(decodeResponseStatus('urn:ihe:iti:2007:ResponseStatusType:PartialSuccess', 'x')).toBe(
      'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
    );
    expect(() => decodeResponseStatus('Success', 'a/@status')).toThrow(
      /a\/@status "Success" is not a ResponseStatusType URN/,
    );
    expect(() => decodeResponseStatus(undefined, 'a/@status')).toThrow(/a\/@status is missing/);
  });
});
