/**
 * One assertion on several messages (`assertionReuse`, the gateways behind the broker): each new
 * wsa:MessageID is accepted with the same assertion, the same message is still refused a second
 * time, and a message without a MessageID falls back to one use per assertion. Without
 * `assertionReuse` (the integration port) the second message with the same assertion is refused.
 */
import { describe, expect, it } from 'vitest';
import { NIR_BROKER_AUDIENCE, xuaPolicy } from './saml.js';
import { ReplayCache } from './replay-cache.js';
import { createXuaValidator, type XuaValidator } from './xua-validate.js';
import { parseSoapEnvelope } from '../soap/envelope.js';
import { parseXml } from '../soap/xml.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { findDocuments } from '../../test/helpers/requests.js';
import {
  refusal,
  supplierAssertion,
  useXuaHarness,
  withSecurity,
} from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const xua = useXuaHarness(NHS);

function validator(assertionReuse: boolean): XuaValidator {
  return createXuaValidator(
    xuaPolicy({ audiences: [NIR_BROKER_AUDIENCE], trustedSigners: [xua.certs.read('supplier/signing.pem')] }),
    { replayCache: new ReplayCache(), assertionReuse },
  );
}

/** Validate `assertion` in a FindDocuments message with wsa:MessageID `messageId` (none when undefined). */
function send(v: XuaValidator, assertion: string, messageId: string | undefined): string {
  let envelope = withSecurity(findDocuments(NHS, messageId ? { messageId } : {}), assertion);
  if (messageId === undefined) envelope = envelope.replace(/<wsa:MessageID>[^<]*<\/wsa:MessageID>/, '');
  const env = parseSoapEnvelope(parseXml(envelope), [], { enforceMustUnderstand: false });
  return v.validate(env, envelope, new Date()).assertionId;
}

describe('assertion reuse on the gateways behind the broker', () => {
  it('accepts the assertion on each new message and refuses the same message twice', () => {
    const v = validator(true);
    const a = supplierAssertion(xua.certs, CX, { id: '_reused' });
    expect(send(v, a, 'urn:uuid:m1')).toBe('_reused');
    expect(send(v, a, 'urn:uuid:m2')).toBe('_reused');
    expect(refusal(() => send(v, a, 'urn:uuid:m1'))).toEqual({
      failure: 'replayed',
      subcode: 'InvalidSecurity',
    });
  });

  it('without a MessageID, one message per assertion', () => {
    const v = validator(true);
    const a = supplierAssertion(xua.certs, CX, { id: '_no-message-id' });
    expect(send(v, a, undefined)).toBe('_no-message-id');
    expect(refusal(() => send(v, a, undefined)).failure).toBe('replayed');
  });

  it('without assertionReuse (the integration port), a second message with the same assertion is refused', () => {
    const v = validator(false);
    const a = supplierAssertion(xua.certs, CX, { id: '_once' });
    expect(send(v, a, 'urn:uuid:m1')).toBe('_once');
    expect(refusal(() => send(v, a, 'urn:uuid:m2'))).toEqual({
      failure: 'replayed',
      subcode: 'InvalidSecurity',
    });
  });
});
