/**
 * The documentation's examples stay true: the curl bodies of the README's first query
 * (docs/getting-started.md's retrieve, docs/imaging.md's RAD-75) are posted, and the README's
 * ITI-67 search (curl -G with --data-urlencode) is sent, to a running topology
 * (on port 0 instead of 8080) and must give what the docs say they give. Each is found by its
 * `<!-- nir-sim:example NAME -->` marker (test/helpers/docs.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, DocumentReference } from 'fhir/r4.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../../simulator/mhd/document-reference.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { docExample, readDoc } from '../helpers/docs.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

const readme = readDoc('README.md');
/** A marked curl example: its URL and its heredoc body. */
function curlExample(file: string, name: string): { url: string; body: string } {
  const block = docExample(file, name);
  return {
    url: /'(http:\/\/127\.0\.0\.1:8080[^']*)'/.exec(block)![1]!,
    body: /<<'XML'\n([\s\S]*?)\nXML/.exec(block)![1]!,
  };
}
/** The README's ITI-67 `curl -G` example as the URL curl builds (each --data-urlencode pair encoded). */
function searchExample(): string {
  const block = docExample('README.md', 'iti67');
  const base = /-G '(http:\/\/127\.0\.0\.1:8080[^']*)'/.exec(block)![1]!;
  const params = new URLSearchParams();
  for (const m of block.matchAll(/--data-urlencode '([^=]+)=([^']*)'/g)) params.append(m[1]!, m[2]!);
  return `${base}?${params.toString()}`;
}
const examples = [
  curlExample('README.md', 'iti38'),
  curlExample('docs/getting-started.md', 'iti39'),
  curlExample('docs/imaging.md', 'rad75'),
];

describe('documentation examples', () => {
  let t: TestTopology;
  beforeAll(async () => {
    t = await startTestTopology();
  });
  afterAll(() => t.running.stop());
  const at = (url: string) => url.replace('http://127.0.0.1:8080', t.running.broker.url);

  it('opens with the two commands of a fresh machine', () => {
    const head = readme.split('\n').slice(0, 12).join('\n');
    expect(head).toContain('npm install && npm run sim up');
    expect(head).toContain('npm test');
  });

  it('has a query, a retrieve and an imaging retrieve example', () => {
    expect(examples.map((e) => new URL(e.url).pathname)).toEqual(['/xca/iti38', '/xca/iti39', '/xcai/rad75']);
  });

  it('the first query finds ten reports and their ten KOS manifests across the three communities', async () => {
    const { response } = readQueryResponse(await post(at(examples[0]!.url), examples[0]!.body));
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(response.objects).toHaveLength(20);
    expect(response.objects.filter((o) => o.xml.includes('mimeType="application/dicom"'))).toHaveLength(10);
    expect(new Set(response.objects.map((o) => o.home)).size).toBe(3);
  });

  it('the ITI-67 example finds the same twenty documents as DocumentReferences across the three communities', async () => {
    const url = searchExample();
    expect(url).toBe(
      'http://127.0.0.1:8080/fhir/DocumentReference?patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9995649284&status=current',
    );
    const res = await fetch(at(url));
    const bundle = (await res.json()) as Bundle;
    const refs = (bundle.entry ?? []).map((e) => e.resource as DocumentReference);
    const homes = refs.map((r) => r.extension?.find((x) => x.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid);
    expect([
      res.status,
      bundle.type,
      refs.length,
      refs.every((r) => r.resourceType === 'DocumentReference'),
    ]).toEqual([200, 'searchset', 20, true]);
    expect(refs.filter((r) => r.content[0]?.attachment.contentType === 'application/dicom')).toHaveLength(10);
    expect(new Set(homes)).toEqual(new Set(t.pack.communities.map((c) => c.homeCommunityId)));
  });

  it('the RAD-75 example returns the two DICOM images of the first study, byte for byte', async () => {
    const { response } = readRetrieveResponse(await post(at(examples[2]!.url), examples[2]!.body));
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    const c = t.pack.communities[0]!;
    const [study] = c.imaging;
    const series = study!.series[0]!;
    expect(response.documents.map((d) => [d.mimeType, d.documentUniqueId])).toEqual(
      series.instances.map((i) => ['application/dicom', i.sopInstanceUid]),
    );
    for (const d of response.documents) {
      const file = c.findImage(study!.studyInstanceUid, series.seriesInstanceUid, d.documentUniqueId)!;
      expect(d.content.equals(readFileSync(file.path))).toBe(true);
    }
  });

  it('the retrieve returns the first report as a PDF, byte for byte', async () => {
    const { response } = readRetrieveResponse(await post(at(examples[1]!.url), examples[1]!.body));
    expect(response.status).toBe(ResponseStatus.Success);
    const entry = t.pack.communities[0]!.entries.find(
      (e) => e.uniqueId === response.documents[0]!.documentUniqueId,
    )!;
    expect(response.documents[0]!.mimeType).toBe('application/pdf');
    expect(createHash('sha1').update(response.documents[0]!.content).digest('hex')).toBe(entry.hash);
  });
});
