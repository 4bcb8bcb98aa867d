/**
 * The imaging consumer flow over the committed default pack, as a supplier's viewer does it:
 * ITI-38 finds the KOS manifest DocumentEntries, ITI-39 returns the manifests, the manifests'
 * references (read with dicom-parser) drive one RAD-75 through the broker that returns every
 * referenced image from every community. Also: the RAD-75 transaction event, Implicit VR Little
 * Endian on request, and a DocumentRequest without HomeCommunityId.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXml, type Element } from '../../simulator/soap/xml.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { decodeExtrinsicObject } from '../../simulator/xca/document-entry.js';
import type { DocumentEntry } from '../../simulator/xca/document-entry-model.js';
import type { RetrieveImagingDocumentSetRequest } from '../../simulator/xca/retrieve-imaging-document-set.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';
import { itRef } from '../helpers/reference-tests.js';
import { skipWithoutTool } from '../helpers/system-tools.js';
import { expectSchemaValid, xopToInlineForValidation } from '../helpers/xsd.js';
import {
  dciodvfyAvailable,
  dciodvfyBuffers,
  dcmdumpBuffers,
  KOS_DCIODVFY_WARNINGS,
  identity,
  manifestReferences,
  parseDicom,
  type ManifestReference,
} from '../helpers/imaging-dicom-tools.js';
import { expectPackImages, rad75Envelope, wholeStudyRequest } from '../helpers/imaging-fixtures.js';

const KOS = '1.2.840.10008.5.1.4.1.1.88.59';

/** A RAD-75 request for every image `refs` name, grouped by study and series in order. */
function requestFor(
  refs: readonly ManifestReference[],
  transferSyntaxUids = ['1.2.840.10008.1.2.1'],
): RetrieveImagingDocumentSetRequest {
  const studies: RetrieveImagingDocumentSetRequest['studies'] = [];
  for (const r of refs) {
    let st = studies.find((s) => s.studyInstanceUid === r.studyInstanceUid);
    if (!st) studies.push((st = { studyInstanceUid: r.studyInstanceUid, series: [] }));
    let se = st.series.find((s) => s.seriesInstanceUid === r.seriesInstanceUid);
    if (!se) st.series.push((se = { seriesInstanceUid: r.seriesInstanceUid, documents: [] }));
    se.documents.push({
      homeCommunityId: r.homeCommunityId,
      repositoryUniqueId: r.retrieveLocationUid,
      documentUniqueId: r.sopInstanceUid,
    });
  }
  return { studies, transferSyntaxUids };
}

describe('ITI-38 -> KOS manifest -> ITI-39 -> RAD-75, through the broker', () => {
  let t: TestTopology;
  let manifests: DocumentEntry[];
  let refs: ManifestReference[];
  const xmls: string[] = [];
  beforeAll(async () => {
    t = await startTestTopology();
  });
  afterAll(async () => {
    await t.running.stop();
  });

  it('ITI-38 finds a KOS manifest DocumentEntry beside every report of the patient, in every community', async () => {
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const { response, xml } = readQueryResponse(
      await post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs)),
    );
    xmls.push(xml);
    expect(response.status).toBe(ResponseStatus.Success);
    const entries = response.objects.map((o) =>
      decodeExtrinsicObject(parseXml(o.xml).documentElement as unknown as Element),
    );
    manifests = entries.filter((e) => e.formatCode.code === KOS);
    const reports = entries.filter((e) => e.mimeType === 'application/pdf');
    expect(manifests.length).toBe(reports.length);
    expect(new Set(manifests.map((m) => m.homeCommunityId)).size).toBe(3);
    for (const m of manifests) {
      expect(m).toMatchObject({
        mimeType: 'application/dicom',
        formatCode: { codingScheme: '1.2.840.10008.2.6.1' },
      });
      const studyUid = m.referenceIdList
        .find((r) => r.endsWith('^urn:ihe:iti:xds:2016:studyInstanceUID'))!
        .split('^')[0];
      const report = reports.find((r) => r.referenceIdList.includes(m.referenceIdList[1]!))!;
      expect(report.referenceIdList).toEqual(m.referenceIdList);
      expect(m.eventCodeList).toEqual(report.eventCodeList);
      expect(studyUid).toMatch(/^2\.25\.\d+\.5\.\d+\.\d+$/);
    }
  });

  it('ITI-39 returns every manifest, byte for byte, and each references its images with their retrieve location', async () => {
    const raw = await post(
      t.running.broker.endpoints['ITI-39'],
      retrieve(
        manifests.map((m) => ({
          homeCommunityId: m.homeCommunityId,
          repositoryUniqueId: m.repositoryUniqueId,
          documentUniqueId: m.uniqueId,
        })),
      ),
    );
    const { response, xml } = readRetrieveResponse(raw);
    xmls.push(xml);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(
      response.documents.map((d) => [
        d.documentUniqueId,
        d.mimeType,
        createHash('sha1').update(d.content).digest('hex'),
      ]),
    ).toEqual(manifests.map((m) => [m.uniqueId, 'application/dicom', m.hash]));
    if (!skipWithoutTool('dcmdump')) {
      expect(await dcmdumpBuffers(response.documents.map((d) => d.content))).toEqual([]);
    }
    if (dciodvfyAvailable())
      expect(await dciodvfyBuffers(response.documents.map((d) => d.content))).toEqual({
        errors: [],
        warnings: KOS_DCIODVFY_WARNINGS,
      });
    refs = [];
    for (const [i, d] of response.documents.entries()) {
      const m = manifests[i]!;
      expect(identity(parseDicom(d.content))).toMatchObject({ sopClassUid: KOS, sopInstanceUid: m.uniqueId });
      const mine = manifestReferences(d.content);
      expect(mine.length).toBe(2);
      for (const r of mine)
        expect([r.homeCommunityId, r.retrieveLocationUid]).toEqual([m.homeCommunityId, m.repositoryUniqueId]);
      refs.push(...mine);
    }
  });

  it('one RAD-75 built from the manifests returns every referenced image from the three communities', async () => {
    const before = t.transactions.length;
    const raw = await post(t.running.broker.endpoints['RAD-75'], rad75Envelope(requestFor(refs)));
    expect(raw.status).toBe(200);
    expect(raw.contentType).toMatch(/^multipart\/related;.*type="application\/xop\+xml"/);
    const { response, xml } = readRetrieveResponse(raw);
    xmls.push(xml);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(
      response.documents.map((d) => [d.homeCommunityId, d.repositoryUniqueId, d.documentUniqueId]),
    ).toEqual(refs.map((r) => [r.homeCommunityId, r.retrieveLocationUid, r.sopInstanceUid]));
    await expectPackImages(t.pack, response.documents);
    const event = t.transactions[before]!;
    expect(event).toMatchObject({
      transaction: 'RAD-75',
      status: ResponseStatus.Success,
      resultCount: refs.length,
      errors: [],
    });
    expect(event.legs.map((l) => [l.homeCommunityId, l.outcome])).toEqual(
      t.pack.communities.map((c) => [c.homeCommunityId, 'answered']),
    );
    expect(event.documents).toEqual(
      refs.map((r) => ({
        homeCommunityId: r.homeCommunityId,
        repositoryUniqueId: r.retrieveLocationUid,
        documentUniqueId: r.sopInstanceUid,
      })),
    );
    expect(event.studies).toEqual(
      [...new Set(refs.map((r) => r.studyInstanceUid))].map((st) => {
        const mine = refs.filter((r) => r.studyInstanceUid === st);
        return {
          studyInstanceUid: st,
          seriesInstanceUids: [mine[0]!.seriesInstanceUid],
          homeCommunityId: mine[0]!.homeCommunityId,
          repositoryUniqueId: mine[0]!.retrieveLocationUid,
          documentUniqueIds: mine.map((r) => r.sopInstanceUid),
        };
      }),
    );
  });

  it('serves Implicit VR Little Endian when that is the first syntax it can serve, pixels unchanged', async () => {
    const c = t.pack.communities[1]!;
    const req = wholeStudyRequest(c, 0, [
      '1.2.840.10008.1.2.4.50',
      '1.2.840.10008.1.2',
      '1.2.840.10008.1.2.1',
    ]);
    const { response } = readRetrieveResponse(
      await post(t.running.broker.endpoints['RAD-75'], rad75Envelope(req)),
    );
    expect(response.status).toBe(ResponseStatus.Success);
    await expectPackImages(t.pack, response.documents, '1.2.840.10008.1.2');
    const st = c.imaging[0]!;
    for (const [i, d] of response.documents.entries()) {
      const file = c.findImage(
        st.studyInstanceUid,
        st.series[0]!.seriesInstanceUid,
        st.series[0]!.instances[i]!.sopInstanceUid,
      )!;
      const pixels = (b: Buffer) => {
        const el = parseDicom(b).elements['x7fe00010']!;
        return b.subarray(el.dataOffset, el.dataOffset + el.length);
      };
      expect(pixels(d.content).equals(pixels(await readFile(file.path)))).toBe(true);
    }
  });

  it('a DocumentRequest without HomeCommunityId: XDSMissingHomeCommunityId, the others still served', async () => {
    const c = t.pack.communities[0]!;
    const req = wholeStudyRequest(c, 0);
    const [first, second] = req.studies[0]!.series[0]!.documents;
    delete first!.homeCommunityId;
    const st = c.imaging[0]!;
    const { response } = readRetrieveResponse(
      await post(t.running.broker.endpoints['RAD-75'], rad75Envelope(req)),
    );
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSMissingHomeCommunityId',
        codeContext: `DocumentRequest for image ${st.studyInstanceUid}:${st.series[0]!.seriesInstanceUid}:${st.series[0]!.instances[0]!.sopInstanceUid} has no HomeCommunityId: RAD-75 requires the home of the manifest`,
        severity: ErrorSeverity.Error,
      },
    ]);
    expect(response.documents.map((d) => d.documentUniqueId)).toEqual([second!.documentUniqueId]);
  });

  itRef('every response above is valid against the IHE schemas', async () => {
    expect(xmls.length, 'the tests above collected no response').toBeGreaterThanOrEqual(3);
    await expectSchemaValid(xmls.map(xopToInlineForValidation));
  });
});
