/**
 * RAD-75 stays XCA-only (RAD TF-3 4.75, an XCA-I transaction): an image at a community that
 * speaks MHD gets a located XDSUnavailableCommunity and no leg, beside the usual split errors.
 */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import { CommunityDirectory, type CommunityEndpoint } from './community-directory.js';
import { crossGatewayRetrieveImagingDocumentSet } from './cross-gateway-retrieve-imaging.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const MHD: CommunityEndpoint = {
  name: 'east-mhd',
  homeCommunityId: 'urn:oid:1.2.826.0.1.9.7',
  protocol: 'mhd',
  endpoints: {
    'ITI-67': 'http://127.0.0.1:9/fhir/DocumentReference',
    'ITI-68': 'http://127.0.0.1:9/fhir/document',
  },
};

describe('RAD-75 for images at an MHD community', () => {
  it('answers Failure with XDSUnavailableCommunity located at it, one per image, and sends no leg', async () => {
    const image = (uid: string) => ({
      homeCommunityId: MHD.homeCommunityId,
      repositoryUniqueId: '1.2.826.0.1.9.7.1',
      documentUniqueId: uid,
    });
    const answer = await crossGatewayRetrieveImagingDocumentSet(
      {
        studies: [
          {
            studyInstanceUid: '1.2.3',
            series: [{ seriesInstanceUid: '1.2.3.1', documents: [image('1.2.3.1.1'), image('1.2.3.1.2')] }],
          },
        ],
        transferSyntaxUids: ['1.2.840.10008.1.2.1'],
      },
      {},
      {
        directory: new CommunityDirectory([MHD]),
        deadlineMs: 5_000,
        clock: fixedClock(NOW),
        logger: silentLogger(),
        transport: { maxResponseBytes: 1024 * 1024 },
      },
      { idleTimeoutMs: 1_000, messageTag: 't1' },
    );
    answer.parts.close();
    const error = (uid: string) => ({
      errorCode: 'XDSUnavailableCommunity',
      codeContext: `community ${MHD.homeCommunityId} (east-mhd) speaks mhd, not XCA-I: the broker has no RAD-75 leg to it for image 1.2.3:1.2.3.1:${uid}`,
      severity: ErrorSeverity.Error,
      location: MHD.homeCommunityId,
    });
    expect(answer.response).toEqual({
      status: ResponseStatus.Failure,
      errors: [error('1.2.3.1.1'), error('1.2.3.1.2')],
      documents: [],
    });
    expect(answer.event.legs).toEqual([]);
  });
});
