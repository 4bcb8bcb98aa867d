/**
 * Header values in faults (RFC 9110 §5.5 field-value): an `http-status` fault whose `contentType`
 * carries CR/LF used to be accepted; the gateway then threw ERR_INVALID_CHAR and the broker
 * reported a SOAP Fault (XDSRegistryError) instead of the intended 503 (XDSUnavailableCommunity).
 * The control API now refuses it with 400 naming the field; a valid value still gives the 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPack } from '../../simulator/data-pack/loader.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { call, startWithControl } from '../helpers/control-api.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';

const PROBLEM =
  'contentType: an HTTP header value (RFC 9110 §5.5): visible characters, with spaces or tabs only between them (no CR, LF or other control characters)';

let running: RunningTopology;
let pack: DataPack;
let api: string;
beforeAll(async () => {
  ({ running, pack, api } = await startWithControl());
});
afterAll(async () => {
  await running.stop();
});

const addFault = (fault: Record<string, unknown>) => call(api, 'POST', '/faults', JSON.stringify(fault));

describe('http-status fault header values', () => {
  it.each([
    ['CR LF', 'text/html\r\nX-Injected: yes'],
    ['a bare LF', 'text/html\nX-Injected: yes'],
    ['NUL', 'text/html\u0000'],
    ['a leading space', ' text/html'],
    ['a character above U+00FF', 'text/html; title=\u2603'],
    ['1025 characters', `text/html; x=${'a'.repeat(1012)}`],
  ])('a contentType with %s: 400 naming contentType, nothing added', async (_what, contentType) => {
    const res = await addFault({
      name: 'crlf',
      gateway: pack.communities[0]!.name,
      kind: 'http-status',
      contentType,
    });
    const tooLong = contentType.length > 1024;
    expect(res).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      json: {
        error: 'invalid fault',
        problems: [tooLong ? 'contentType: Too big: expected string to have <=1024 characters' : PROBLEM],
      },
    });
    expect((await call(api, 'GET', '/faults')).json).toEqual({ faults: [] });
  });

  it('through the broker: a valid contentType (tab inside, obs-text) gives the intended 503, XDSUnavailableCommunity', async () => {
    const A = pack.communities[0]!;
    const refused = await addFault({
      name: 'crlf',
      gateway: A.name,
      kind: 'http-status',
      contentType: 'a\r\nb: c',
    });
    expect(refused.status).toBe(400);
    const added = await addFault({
      name: 'busy',
      gateway: A.name,
      kind: 'http-status',
      status: 503,
      contentType: 'text/html;\tcharset=iso-8859-1; title="caf\u00e9"',
    });
    expect(added.status).toBe(201);
    try {
      const nhs = pack.manifest.examples.inAllCommunities!;
      const r = readQueryResponse(
        await post(running.broker.endpoints['ITI-38'], findDocuments(nhs)),
      ).response;
      expect(r.status).toBe(ResponseStatus.PartialSuccess);
      expect(r.errors).toEqual([
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: `community ${A.homeCommunityId} (${A.name}) answered HTTP 503 without a SOAP envelope`,
          severity: ErrorSeverity.Error,
          location: A.homeCommunityId,
        },
      ]);
    } finally {
      await call(api, 'DELETE', '/faults/busy');
    }
  });
});
