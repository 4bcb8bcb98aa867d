/**
 * The ITI-39 and RAD-75 provider checks against nir-sim's own simulated responding gateway (the
 * default pack's first community, its default test data): clean, every check passes; with one
 * fault from the catalogue, exactly the check the fault is aimed at fails, with the message a
 * supplier would read (issue's self-test rule: a check no fault can fail is a defect). Without a
 * RAD-75 URL every RAD-75 check is skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../simulator/conformance/check.js';
import { Initiator } from '../../simulator/conformance/initiator.js';
import { iti39Checks } from '../../simulator/conformance/iti39-checks.js';
import type { ProviderContext, ProviderTarget } from '../../simulator/conformance/provider-check.js';
import { rad75Checks } from '../../simulator/conformance/rad75-checks.js';
import { buildTestData } from '../../simulator/conformance/test-data-build.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

/** The default pack's UID root, and its first community's homeCommunityId. */
const R = '2.25.143717819127266221728204988935439350416';
const HOME = `urn:oid:${R}.1.1`;
/** The test data's first patient (held by every community) and its fullest one. */
const FIRST = '9995649284';
const FULLEST = '9992549033';

let topo: TestTopology;
beforeAll(async () => {
  topo = await startTestTopology({ simulated: 1 });
});
afterAll(async () => {
  await topo.running.stop();
});

/** Run every ITI-39 and RAD-75 check in order against the community; results without durationMs. */
async function runChecks(opts: { rad75?: false } = {}): Promise<CheckResult[]> {
  const c = topo.running.communities[0]!;
  const initiator = new Initiator({ clock: systemClock });
  const target: ProviderTarget = {
    iti38Url: c.endpoints['ITI-38']!,
    iti39Url: c.endpoints['ITI-39']!,
    ...(opts.rad75 === false ? {} : { rad75Url: c.endpoints['RAD-75']! }),
    homeCommunityId: c.homeCommunityId,
  };
  const ctx: ProviderContext = {
    target,
    testData: buildTestData(topo.pack, topo.pack.communities[0]!.name),
    initiator,
    clock: systemClock,
    deadlineMs: 10_000,
    seed: 7,
  };
  try {
    const out: CheckResult[] = [];
    for (const check of [...iti39Checks, ...rad75Checks]) {
      const { durationMs, ...r } = await check.run(ctx);
      expect(durationMs).toBeGreaterThanOrEqual(0);
      out.push(r);
    }
    return out;
  } finally {
    await initiator.close();
  }
}

describe('the ITI-39 and RAD-75 checks against a clean simulated community', () => {
  it('pass, each saying what it verified and naming its exchange', async () => {
    expect(topo.running.communities[0]!.homeCommunityId).toBe(HOME);
    expect(await runChecks()).toEqual([
      {
        id: 'ITI39-ONE-DOCUMENT',
        outcome: 'passed',
        message: `document ${R}.4.1.1 came back alone, status Success, no RegistryError`,
        exchanges: ['ITI39-ONE-DOCUMENT-01-one-document'],
      },
      {
        id: 'ITI39-SEVERAL-DOCUMENTS',
        outcome: 'passed',
        message: `all 8 documents came back in one answer, status Success, no RegistryError`,
        exchanges: ['ITI39-SEVERAL-DOCUMENTS-01-several-documents'],
      },
      {
        id: 'ITI39-CONTENT',
        outcome: 'passed',
        message: `8 document(s) match their size, SHA-1 and mimeType`,
        exchanges: ['ITI39-CONTENT-01-content'],
      },
      {
        id: 'ITI39-ECHO-IDS',
        outcome: 'passed',
        message: `8 DocumentResponse(s) name ${HOME}, the requested repository and document`,
        exchanges: ['ITI39-ECHO-IDS-01-echo-ids'],
      },
      {
        id: 'ITI39-MTOM',
        outcome: 'passed',
        message: `multipart/related with application/xop+xml root; 4 xop:Include(s) each name a MIME part`,
        exchanges: ['ITI39-MTOM-01-mtom'],
      },
      {
        id: 'ITI39-UNKNOWN-DOCUMENT',
        outcome: 'passed',
        message: `status Failure with one RegistryError XDSDocumentUniqueIdError located at ${HOME}, no document`,
        exchanges: ['ITI39-UNKNOWN-DOCUMENT-01-unknown-document'],
      },
      {
        id: 'ITI39-UNKNOWN-REPOSITORY',
        outcome: 'passed',
        message: `status Failure with one RegistryError XDSUnknownRepositoryId located at ${HOME}, no document`,
        exchanges: ['ITI39-UNKNOWN-REPOSITORY-01-unknown-repository'],
      },
      {
        id: 'ITI39-MISSING-HOME',
        outcome: 'passed',
        message: `status Failure with one RegistryError XDSMissingHomeCommunityId located at ${HOME}, no document`,
        exchanges: ['ITI39-MISSING-HOME-01-missing-home'],
      },
      {
        id: 'ITI39-UNKNOWN-COMMUNITY',
        outcome: 'passed',
        message: `status Failure with one RegistryError XDSUnknownCommunity located at ${HOME}, no document`,
        exchanges: ['ITI39-UNKNOWN-COMMUNITY-01-unknown-community'],
      },
      {
        id: 'RAD75-ONE-STUDY',
        outcome: 'passed',
        message: `all 2 image(s) of study ${R}.5.1.1 came back as application/dicom, status Success`,
        exchanges: ['RAD75-ONE-STUDY-01-one-study'],
      },
      {
        id: 'RAD75-SEVERAL-STUDIES',
        outcome: 'passed',
        message: `all 8 image(s) of 4 studies came back as application/dicom, status Success`,
        exchanges: ['RAD75-SEVERAL-STUDIES-01-several-studies'],
      },
      {
        id: 'RAD75-UNKNOWN-UIDS',
        outcome: 'passed',
        message: `status Failure with one RegistryError XDSDocumentUniqueIdError per unknown image (2), located at ${HOME}`,
        exchanges: ['RAD75-UNKNOWN-UIDS-01-unknown-uids'],
      },
      {
        id: 'RAD75-TRANSFER-SYNTAX',
        outcome: 'passed',
        message: `status Failure with 2 RegistryError(s) XDSRepositoryError located at ${HOME}, no image`,
        exchanges: ['RAD75-TRANSFER-SYNTAX-01-transfer-syntax'],
      },
      {
        id: 'RAD75-PART10',
        outcome: 'passed',
        message: `2 image(s) are valid Part 10 files of the requested instances, checked with dicom-parser and DCMTK dcmftest and dcmdump`,
        exchanges: ['RAD75-PART10-01-part10'],
      },
      {
        id: 'RAD75-IN-STUDY',
        outcome: 'passed',
        message: `8 image(s) of 4 studies carry the requested Study, Series and SOP Instance UIDs`,
        exchanges: ['RAD75-IN-STUDY-01-in-study'],
      },
    ]);
  });

  it('skip every RAD-75 check without a RAD-75 URL, saying --rad75 was not given', async () => {
    const results = await runChecks({ rad75: false });
    expect(results.filter((r) => r.id.startsWith('RAD75-'))).toEqual(
      rad75Checks.map((c) => ({
        id: c.definition.id,
        outcome: 'skipped',
        message: 'no RAD-75 endpoint: --rad75 was not given, so the imaging checks did not run',
        exchanges: [],
      })),
    );
    expect(results.filter((r) => r.outcome !== 'passed' && r.id.startsWith('ITI39-'))).toEqual([]);
  });
});

/** For each check, the fault aimed at it, and the one failure it must cause. */
const CASES: [string, Record<string, unknown>, CheckResult][] = [
  [
    'ITI39-ONE-DOCUMENT',
    { kind: 'drop-documents', keepFraction: 0, transaction: 'ITI-39', patient: FIRST, times: 1 },
    {
      id: 'ITI39-ONE-DOCUMENT',
      outcome: 'failed',
      message: `expected status Success, no RegistryError and one DocumentResponse per requested document (1); got status Success, 0 of 1 DocumentResponse(s), missing ${R}.4.1.1`,
      exchanges: ['ITI39-ONE-DOCUMENT-01-one-document'],
    },
  ],
  [
    'ITI39-SEVERAL-DOCUMENTS',
    { kind: 'drop-documents', keepFraction: 0.5, transaction: 'ITI-39', patient: FULLEST },
    {
      id: 'ITI39-SEVERAL-DOCUMENTS',
      outcome: 'failed',
      message: `expected status Success, no RegistryError and one DocumentResponse per requested document (8); got status Success, 4 of 8 DocumentResponse(s), missing ${R}.4.1.22, ${R}.8.1.22, ${R}.4.1.23, ${R}.8.1.23`,
      exchanges: ['ITI39-SEVERAL-DOCUMENTS-01-several-documents'],
    },
  ],
  [
    'ITI39-CONTENT',
    { kind: 'corrupt-document', transaction: 'ITI-39' },
    {
      id: 'ITI39-CONTENT',
      outcome: 'failed',
      message: `the returned bytes differ from the test data: ${R}.4.1.20: SHA-1 9715852e132e1646549bb925363baef6081be0dd, expected da0cb49a845eaba34a8aa374ddfc0ca92fffe912; ${R}.8.1.20: SHA-1 e994cb6e549a70668491523423e4c9644eea082d, expected b44afce663284616c59ef1209437b673078414ce; ${R}.4.1.21: SHA-1 c472d46af58f5a3fc384d9e13978e594706a83e6, expected 8891ee1b17900459a8b17dc7d125c222cbb1b847; ${R}.8.1.21: SHA-1 7cc11ca15d8956bb12f7cbb6e3e6943c9d3773ac, expected 49bf4eb09e3623a900d3c6391d9cc918532dbf9d; ${R}.4.1.22: SHA-1 fc7383ee24073664d8a33e4a3249bcc1c8e29dbb, expected 322eef96880fd78383fd09911fc56181d2fb969c; ${R}.8.1.22: SHA-1 2416c1f68b88cabaf29a598ac326f092a50c222d, expected 50be767b1a0c948050535052daebfd886d676655; ${R}.4.1.23: SHA-1 f15d79290c8c55d04a5581b716994800762dba94, expected 146c3404402d48d18bf941829320430e7b9935f2; ${R}.8.1.23: SHA-1 341ee1b8ddb19d3889132ec930a21ef89e607dca, expected 6371ed79a877a29274ae90506b2e1736621ace83`,
      exchanges: ['ITI39-CONTENT-01-content'],
    },
  ],
  [
    'ITI39-ECHO-IDS',
    { kind: 'wrong-home', transaction: 'ITI-39' },
    {
      id: 'ITI39-ECHO-IDS',
      outcome: 'failed',
      message: `DocumentResponse[1] (${R}.4.1.20) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[2] (${R}.8.1.20) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[3] (${R}.4.1.21) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[4] (${R}.8.1.21) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[5] (${R}.4.1.22) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[6] (${R}.8.1.22) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[7] (${R}.4.1.23) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}; DocumentResponse[8] (${R}.8.1.23) HomeCommunityId is urn:oid:2.25.1, expected ${HOME}`,
      exchanges: ['ITI39-ECHO-IDS-01-echo-ids'],
    },
  ],
  [
    'ITI39-MTOM',
    { kind: 'mtom-wrong-content-id', transaction: 'ITI-39', patient: FIRST },
    {
      id: 'ITI39-MTOM',
      outcome: 'failed',
      message: `MTOM/XOP framing: xop:Include names no MIME part: xdsb:DocumentResponse[1]/xdsb:Document href cid:doc0.north-east-imaging-network.<seq>@nir-sim.invalid, xdsb:DocumentResponse[2]/xdsb:Document href cid:doc1.north-east-imaging-network.<seq>@nir-sim.invalid, xdsb:DocumentResponse[3]/xdsb:Document href cid:doc2.north-east-imaging-network.<seq>@nir-sim.invalid, xdsb:DocumentResponse[4]/xdsb:Document href cid:doc3.north-east-imaging-network.<seq>@nir-sim.invalid (the parts' Content-IDs: wrong-doc0.north-east-imaging-network.<seq>@nir-sim.invalid, wrong-doc1.north-east-imaging-network.<seq>@nir-sim.invalid, wrong-doc2.north-east-imaging-network.<seq>@nir-sim.invalid, wrong-doc3.north-east-imaging-network.<seq>@nir-sim.invalid)`,
      exchanges: ['ITI39-MTOM-01-mtom'],
    },
  ],
  [
    'ITI39-UNKNOWN-DOCUMENT',
    {
      kind: 'rewrite-error',
      from: 'XDSDocumentUniqueIdError',
      errorCode: 'XDSRepositoryError',
      transaction: 'ITI-39',
    },
    {
      id: 'ITI39-UNKNOWN-DOCUMENT',
      outcome: 'failed',
      message: `expected status Failure, no DocumentResponse and 1 RegistryError XDSDocumentUniqueIdError (severity Error, location ${HOME}); got status Failure, 0 DocumentResponse(s), errors: XDSRepositoryError (Error, location ${HOME}: "document 2.999.7.1 is not in repository ${R}.2.1")`,
      exchanges: ['ITI39-UNKNOWN-DOCUMENT-01-unknown-document'],
    },
  ],
  [
    'ITI39-UNKNOWN-REPOSITORY',
    {
      kind: 'rewrite-error',
      from: 'XDSUnknownRepositoryId',
      location: 'urn:oid:2.25.1',
      transaction: 'ITI-39',
    },
    {
      id: 'ITI39-UNKNOWN-REPOSITORY',
      outcome: 'failed',
      message: `expected status Failure, no DocumentResponse and 1 RegistryError XDSUnknownRepositoryId (severity Error, location ${HOME}); got status Failure, 0 DocumentResponse(s), errors: XDSUnknownRepositoryId (Error, location urn:oid:2.25.1: "repository 2.999.7.2 is not in ${HOME}; this community's repository is ${R}.2.1")`,
      exchanges: ['ITI39-UNKNOWN-REPOSITORY-01-unknown-repository'],
    },
  ],
  [
    'ITI39-MISSING-HOME',
    {
      kind: 'rewrite-error',
      from: 'XDSMissingHomeCommunityId',
      errorCode: 'XDSRepositoryError',
      transaction: 'ITI-39',
    },
    {
      id: 'ITI39-MISSING-HOME',
      outcome: 'failed',
      message: `expected status Failure, no DocumentResponse and 1 RegistryError XDSMissingHomeCommunityId (severity Error, location ${HOME}); got status Failure, 0 DocumentResponse(s), errors: XDSRepositoryError (Error, location ${HOME}: "DocumentRequest for ${R}.4.1.1 has no HomeCommunityId")`,
      exchanges: ['ITI39-MISSING-HOME-01-missing-home'],
    },
  ],
  [
    'ITI39-UNKNOWN-COMMUNITY',
    {
      kind: 'rewrite-error',
      from: 'XDSUnknownCommunity',
      errorCode: 'XDSUnknownRepositoryId',
      transaction: 'ITI-39',
    },
    {
      id: 'ITI39-UNKNOWN-COMMUNITY',
      outcome: 'failed',
      message: `expected status Failure, no DocumentResponse and 1 RegistryError XDSUnknownCommunity (severity Error, location ${HOME}); got status Failure, 0 DocumentResponse(s), errors: XDSUnknownRepositoryId (Error, location ${HOME}: "this responding gateway serves ${HOME}, not urn:oid:2.999.7.3")`,
      exchanges: ['ITI39-UNKNOWN-COMMUNITY-01-unknown-community'],
    },
  ],
  [
    'RAD75-ONE-STUDY',
    { kind: 'drop-documents', keepFraction: 0.5, transaction: 'RAD-75', patient: FIRST },
    {
      id: 'RAD75-ONE-STUDY',
      outcome: 'failed',
      message: `expected status Success, no RegistryError and one DocumentResponse per requested document (2); got status Success, 1 of 2 DocumentResponse(s), missing ${R}.7.1.1.2`,
      exchanges: ['RAD75-ONE-STUDY-01-one-study'],
    },
  ],
  [
    'RAD75-SEVERAL-STUDIES',
    { kind: 'drop-documents', keepFraction: 0.5, transaction: 'RAD-75', patient: FULLEST },
    {
      id: 'RAD75-SEVERAL-STUDIES',
      outcome: 'failed',
      message: `expected status Success, no RegistryError and one DocumentResponse per requested document (8); got status Success, 4 of 8 DocumentResponse(s), missing ${R}.7.1.22.1, ${R}.7.1.22.2, ${R}.7.1.23.1, ${R}.7.1.23.2`,
      exchanges: ['RAD75-SEVERAL-STUDIES-01-several-studies'],
    },
  ],
  [
    'RAD75-UNKNOWN-UIDS',
    {
      kind: 'rewrite-error',
      from: 'XDSDocumentUniqueIdError',
      location: 'urn:oid:2.25.1',
      transaction: 'RAD-75',
    },
    {
      id: 'RAD75-UNKNOWN-UIDS',
      outcome: 'failed',
      message: `expected status Failure, no DocumentResponse and 2 RegistryError XDSDocumentUniqueIdError (severity Error, location ${HOME}); got status Failure, 0 DocumentResponse(s), errors: XDSDocumentUniqueIdError (Error, location urn:oid:2.25.1: "no image matching study:series:instance [${R}.5.1.1:${R}.6.1.1.1:2.999.7.4] in repository ${R}.2.1"); XDSDocumentUniqueIdError (Error, location urn:oid:2.25.1: "no image matching study:series:instance [2.999.7.5:2.999.7.6:2.999.7.7] in repository ${R}.2.1")`,
      exchanges: ['RAD75-UNKNOWN-UIDS-01-unknown-uids'],
    },
  ],
  [
    'RAD75-TRANSFER-SYNTAX',
    {
      kind: 'rewrite-error',
      from: 'XDSRepositoryError',
      errorCode: 'XDSDocumentUniqueIdError',
      transaction: 'RAD-75',
    },
    {
      id: 'RAD75-TRANSFER-SYNTAX',
      outcome: 'failed',
      message: `expected status Failure, no DocumentResponse and one or more RegistryError XDSRepositoryError (severity Error, location ${HOME}); got status Failure, 0 DocumentResponse(s), errors: XDSDocumentUniqueIdError (Error, location ${HOME}: "image ${R}.5.1.1:${R}.6.1.1.1:${R}.7.1.1.1 cannot be encoded in any of the requested transfer syntaxes (1.2.840.10008.1.2.4.100); this community serves 1.2.840.10008.1.2.1 (Explicit VR Little Endian) and 1.2.840.10008.1.2 (Implicit VR Little Endian)"); XDSDocumentUniqueIdError (Error, location ${HOME}: "image ${R}.5.1.1:${R}.6.1.1.1:${R}.7.1.1.2 cannot be encoded in any of the requested transfer syntaxes (1.2.840.10008.1.2.4.100); this community serves 1.2.840.10008.1.2.1 (Explicit VR Little Endian) and 1.2.840.10008.1.2 (Implicit VR Little Endian)")`,
      exchanges: ['RAD75-TRANSFER-SYNTAX-01-transfer-syntax'],
    },
  ],
  [
    'RAD75-PART10',
    { kind: 'not-part10', transaction: 'RAD-75', patient: FIRST },
    {
      id: 'RAD75-PART10',
      outcome: 'failed',
      message: `not valid DICOM Part 10: ${R}.7.1.1.1: 67 bytes: shorter than the 128-byte preamble and "DICM" prefix; ${R}.7.1.1.2: 67 bytes: shorter than the 128-byte preamble and "DICM" prefix`,
      exchanges: ['RAD75-PART10-01-part10'],
    },
  ],
  [
    'RAD75-IN-STUDY',
    { kind: 'swap-documents', transaction: 'RAD-75', patient: FULLEST },
    {
      id: 'RAD75-IN-STUDY',
      outcome: 'failed',
      message: `images do not match the request: DocumentResponse ${R}.7.1.20.1: SOP Instance UID ${R}.7.1.20.2, requested ${R}.7.1.20.1; DocumentResponse ${R}.7.1.20.2: Study Instance UID ${R}.5.1.21, requested ${R}.5.1.20, Series Instance UID ${R}.6.1.21.1, requested ${R}.6.1.20.1, SOP Instance UID ${R}.7.1.21.1, requested ${R}.7.1.20.2; DocumentResponse ${R}.7.1.21.1: SOP Instance UID ${R}.7.1.21.2, requested ${R}.7.1.21.1; DocumentResponse ${R}.7.1.21.2: Study Instance UID ${R}.5.1.22, requested ${R}.5.1.21, Series Instance UID ${R}.6.1.22.1, requested ${R}.6.1.21.1, SOP Instance UID ${R}.7.1.22.1, requested ${R}.7.1.21.2; DocumentResponse ${R}.7.1.22.1: SOP Instance UID ${R}.7.1.22.2, requested ${R}.7.1.22.1; DocumentResponse ${R}.7.1.22.2: Study Instance UID ${R}.5.1.23, requested ${R}.5.1.22, Series Instance UID ${R}.6.1.23.1, requested ${R}.6.1.22.1, SOP Instance UID ${R}.7.1.23.1, requested ${R}.7.1.22.2; DocumentResponse ${R}.7.1.23.1: SOP Instance UID ${R}.7.1.23.2, requested ${R}.7.1.23.1; DocumentResponse ${R}.7.1.23.2: Study Instance UID ${R}.5.1.20, requested ${R}.5.1.23, Series Instance UID ${R}.6.1.20.1, requested ${R}.6.1.23.1, SOP Instance UID ${R}.7.1.20.1, requested ${R}.7.1.23.2`,
      exchanges: ['RAD75-IN-STUDY-01-in-study'],
    },
  ],
];

describe('each ITI-39 and RAD-75 check fails, alone, under the fault aimed at it', () => {
  it('covers every check', () => {
    expect(CASES.map(([id]) => id)).toEqual([...iti39Checks, ...rad75Checks].map((c) => c.definition.id));
  });

  it.each(CASES)('%s', async (_id, fault, failure) => {
    const gateway = topo.running.communities[0]!.name;
    const added = topo.faults.add({ name: 'aimed', gateway, ...fault });
    expect(added.ok).toBe(true);
    try {
      const results = await runChecks();
      // MTOM Content-IDs carry the gateway's message sequence number, which depends on test order.
      const seq = (r: CheckResult) => ({
        ...r,
        message: r.message.replace(/\.\d+@nir-sim\.invalid/g, '.<seq>@nir-sim.invalid'),
      });
      expect(results.filter((r) => r.outcome !== 'passed').map(seq)).toEqual([failure]);
    } finally {
      topo.faults.remove('aimed');
    }
  });
});
