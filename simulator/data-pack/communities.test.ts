import { describe, expect, it } from 'vitest';
import { MAX_COMMUNITIES, communityManifest } from './communities.js';
import { communityOids, documentUniqueId, studyInstanceUid } from './uids.js';
import { NIR_SIM_UID_ROOT } from './uids.js';
import { isHomeCommunityId, isOid } from '../shared/ids.js';

describe('communityManifest', () => {
  it('names the first communities after NHS England regions', () => {
    expect(communityManifest(NIR_SIM_UID_ROOT, 0)).toEqual({
      name: 'north-east-imaging-network',
      displayName: 'North East Imaging Network',
      homeCommunityId: `urn:oid:${NIR_SIM_UID_ROOT}.1.1`,
      repositoryUniqueId: `${NIR_SIM_UID_ROOT}.2.1`,
      organisationCode: 'SIM01',
      organisationName: 'North East Imaging Network NHS Trust',
      organisationOid: `${NIR_SIM_UID_ROOT}.3.1`,
      unknownPatientPolicy: 'empty-success',
    });
    expect(communityManifest(NIR_SIM_UID_ROOT, 4).name).toBe('east-of-england-imaging-network');
    expect(communityManifest(NIR_SIM_UID_ROOT, 8).name).toBe('north-east-imaging-network-2');
  });

  it('keeps names, codes and ids unique and valid up to the maximum', () => {
    const all = Array.from({ length: MAX_COMMUNITIES }, (_, i) => communityManifest(NIR_SIM_UID_ROOT, i));
    for (const key of ['name', 'organisationCode', 'homeCommunityId', 'repositoryUniqueId'] as const) {
      expect(new Set(all.map((c) => c[key])).size).toBe(MAX_COMMUNITIES);
    }
    for (const c of all) {
      expect(isHomeCommunityId(c.homeCommunityId)).toBe(true);
      expect(c.organisationCode).toMatch(/^SIM\d{2,3}$/);
    }
    expect(() => communityManifest(NIR_SIM_UID_ROOT, MAX_COMMUNITIES)).toThrow(RangeError);
  });
});

describe('uids', () => {
  it('derives ids from the root and counters', () => {
    expect(communityOids('1.2.3', 2)).toEqual({
      homeCommunityId: 'urn:oid:1.2.3.1.2',
      repositoryUniqueId: '1.2.3.2.2',
      organisationOid: '1.2.3.3.2',
    });
    expect(documentUniqueId('1.2.3', 2, 17)).toBe('1.2.3.4.2.17');
    expect(studyInstanceUid('1.2.3', 2, 17)).toBe('1.2.3.5.2.17');
    expect(isOid(documentUniqueId(NIR_SIM_UID_ROOT, MAX_COMMUNITIES, 999_999))).toBe(true);
  });

  it('refuses counters below 1 and ids over 64 characters', () => {
    expect(() => documentUniqueId('1.2.3', 0, 1)).toThrow(RangeError);
    expect(() => documentUniqueId(`1.${'2.'.repeat(30)}3`, 1, 1)).toThrow(RangeError);
  });
});
