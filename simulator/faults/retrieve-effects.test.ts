/**
 * The retrieve content faults on a typed ITI-39 answer (`corrupt-document`, `swap-documents`,
 * `not-part10`, `rewrite-error`) and `mtom-wrong-content-id` in a fault plan: each changes exactly
 * what docs/faults.md says, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { NOT_PART10_TEXT, applyToRetrieveResponse } from './message-effects.js';
import { planFaults, type ContentFault } from './fault-plan.js';
import { parseFaultSpec } from './fault-spec.js';
import { ErrorCode, ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { DocumentResponse, RetrieveDocumentSetResponse } from '../xca/types.js';

const HOME = 'urn:oid:1.2.826.0.1.1';
const CTX = { homeCommunityId: HOME, displayName: 'Community A' };

function fault(input: Record<string, unknown>): ContentFault {
  const r = parseFaultSpec({ name: 'f', gateway: 'g', ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.fault as ContentFault;
}

const doc = (n: number, content: Buffer): DocumentResponse => ({
  homeCommunityId: HOME,
  repositoryUniqueId: '1.2.3',
  documentUniqueId: `1.2.3.${n}`,
  mimeType: 'application/pdf',
  content,
});
const one = Buffer.from('first document');
const two = Buffer.from('second document');
const resp: RetrieveDocumentSetResponse = {
  status: ResponseStatus.Success,
  errors: [],
  documents: [doc(1, one), doc(2, two)],
};

describe('retrieve content faults on an ITI-39 answer', () => {
  it('corrupt-document flips the middle byte of each document and keeps its size', () => {
    const out = applyToRetrieveResponse(resp, [fault({ kind: 'corrupt-document' })], CTX);
    const flipped = (b: Buffer) => {
      const c = Buffer.from(b);
      const at = Math.floor(c.length / 2);
      c[at] = c[at]! ^ 0xff;
      return c;
    };
    expect(out).toEqual({ ...resp, documents: [doc(1, flipped(one)), doc(2, flipped(two))] });
    expect(one.toString()).toBe('first document');
  });

  it('corrupt-document leaves an empty placeholder (a RAD-75 image streamed from disk) alone', () => {
    const empty = { ...resp, documents: [doc(1, Buffer.alloc(0))] };
    expect(applyToRetrieveResponse(empty, [fault({ kind: 'corrupt-document' })], CTX)).toEqual(empty);
  });

  it('swap-documents gives each DocumentResponse the next one’s bytes', () => {
    const out = applyToRetrieveResponse(resp, [fault({ kind: 'swap-documents' })], CTX);
    expect(out).toEqual({ ...resp, documents: [doc(1, two), doc(2, one)] });
  });

  it('not-part10 replaces every document with text that is no Part 10 file', () => {
    const out = applyToRetrieveResponse(resp, [fault({ kind: 'not-part10' })], CTX);
    const text = Buffer.from(NOT_PART10_TEXT);
    expect(out).toEqual({ ...resp, documents: [doc(1, text), doc(2, text)] });
  });

  it('rewrite-error changes the code and location of the errors with code `from` only', () => {
    const unknown = {
      errorCode: ErrorCode.XDSDocumentUniqueIdError,
      codeContext: 'no such document',
      severity: ErrorSeverity.Error,
      location: HOME,
    };
    const repo = {
      ...unknown,
      errorCode: ErrorCode.XDSUnknownRepositoryId,
      codeContext: 'no such repository',
    };
    const failed = { status: ResponseStatus.Failure, errors: [unknown, repo], documents: [] };
    const f = fault({
      kind: 'rewrite-error',
      from: 'XDSDocumentUniqueIdError',
      errorCode: 'XDSRepositoryError',
      location: 'urn:oid:2.25.9',
    });
    expect(applyToRetrieveResponse(failed, [f], CTX)).toEqual({
      status: ResponseStatus.Failure,
      errors: [{ ...unknown, errorCode: 'XDSRepositoryError', location: 'urn:oid:2.25.9' }, repo],
      documents: [],
    });
  });

  it('mtom-wrong-content-id sets the plan flag and nothing else', () => {
    const plan = planFaults([{ fault: fault({ kind: 'mtom-wrong-content-id' }), draw: 0 }]);
    expect(plan).toEqual({
      delayMs: 0,
      wrongNamespace: false,
      wrongContentId: true,
      content: [],
      provisioning: [],
      applied: ['f'],
    });
  });
});
