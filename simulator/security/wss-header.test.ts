/**
 * The wsse:Security header built around a signed XUA assertion (OASIS WSS 1.1 SAML Token Profile
 * §3.3): the assertion goes in byte for byte, after any XML declaration, so its signature still
 * verifies at the broker.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSecurityHeader } from './wss-header.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { findDocuments } from '../../test/helpers/requests.js';
import {
  mintCertDir,
  supplierAssertion,
  xuaHarness,
  type CertDir,
  type XuaHarness,
} from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
let certs: CertDir;
let validate: XuaHarness['validate'];
beforeAll(async () => {
  certs = await mintCertDir([]);
  validate = xuaHarness(certs, NHS).validate;
});
afterAll(() => certs.remove());

it('embeds a signed assertion read from a file (BOM, declaration, CRLF) byte for byte; it still validates', () => {
  const now = new Date();
  const signed = supplierAssertion(certs, nhsNumberToCx(NHS), { now, id: '_from-file' });
  const fromFile = `\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n${signed}`;
  const header = buildSecurityHeader(fromFile, now);
  const timestampEnd = header.indexOf('</wsu:Timestamp>') + '</wsu:Timestamp>'.length;
  expect(header.slice(timestampEnd)).toBe(`${signed}</wsse:Security>`);
  const envelope = findDocuments(NHS).replace('</env:Header>', `${header}</env:Header>`);
  expect(validate(fromFile, now, envelope).assertionId).toBe('_from-file');
});
