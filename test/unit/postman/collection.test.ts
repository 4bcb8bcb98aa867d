/**
 * postman/nir-sim.postman_collection.json is a structurally valid Postman v2.1 collection
 * (https://schema.getpostman.com/json/collection/v2.1.0/collection.json): every request has a
 * name, method, URL, a body when it sends one, at least one pm.test, scripts that parse, and only
 * variables the environments or the collection define (docs/postman.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Script as VmScript } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SoapAction } from '../../../simulator/xca/constants.js';
import { EnvironmentFile, postmanDir, type PostmanEnvironment } from '../../../scripts/postman-variables.js';

interface Script {
  listen: 'test' | 'prerequest';
  script: { type: string; exec: string[] };
}
interface Request {
  method: string;
  header: { key: string; value: string }[];
  body?: { mode: string; raw: string; options?: { raw?: { language?: string } } };
  url: { raw: string; host: string[]; path: string[] };
  description?: string;
}
interface Item {
  name: string;
  item?: Item[];
  request?: Request;
  event?: Script[];
  description?: string;
}
interface Collection {
  info: { _postman_id: string; name: string; schema: string; description: string };
  item: Item[];
  event?: Script[];
  variable: { key: string; value: string; type: string }[];
}

const collection = JSON.parse(
  readFileSync(path.join(postmanDir, 'nir-sim.postman_collection.json'), 'utf8'),
) as Collection;
const environments = Object.values(EnvironmentFile).map(
  (f) => JSON.parse(readFileSync(path.join(postmanDir, f), 'utf8')) as PostmanEnvironment,
);
const folders = collection.item;
const requests = folders.flatMap((f) => (f.item ?? []).map((item) => ({ folder: f.name, item })));
const code = (events: Script[] | undefined, listen: Script['listen']): string =>
  (events ?? [])
    .filter((e) => e.listen === listen)
    .map((e) => e.script.exec.join('\n'))
    .join('\n');

describe('nir-sim.postman_collection.json', () => {
  it('is a v2.1 collection with its six folders, in run order', () => {
    expect(collection.info.schema).toBe(
      'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    );
    expect(collection.info._postman_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(collection.info.name).toBe('nir-sim');
    expect(folders.map((f) => f.name)).toEqual([
      'Discover',
      'Retrieve',
      'Errors',
      'Degraded modes',
      'MHD',
      'Integration',
    ]);
    for (const f of folders) {
      expect(f.request, f.name).toBeUndefined();
      expect(f.description, f.name).toBeTruthy();
      expect(f.item?.length, f.name).toBeGreaterThan(0);
    }
    expect(requests.map(({ folder, item }) => `${folder} / ${item.name}`)).toEqual([
      'Discover / FindDocuments: patient known to all networks',
      'Discover / FindDocuments: patient known to one network',
      'Discover / FindDocuments: patient known to no network',
      'Discover / FindDocuments: creation time range',
      'Discover / FindDocuments: class code filter',
      'Discover / FindDocuments: ObjectRef',
      'Discover / GetDocuments: by UniqueId with home',
      'Retrieve / Retrieve: one document',
      'Retrieve / Retrieve: across two communities',
      'Retrieve / RAD-75 Cross Gateway Retrieve Imaging Document Set (one series)',
      'Errors / FindDocuments: invalid NHS number',
      'Errors / GetDocuments: unknown community',
      'Errors / GetDocuments: missing home',
      'Errors / Retrieve: unknown document',
      'Degraded modes / Control API: topology names the community to fault',
      'Degraded modes / Control API: reset (start clean)',
      'Degraded modes / Control API: add a timeout fault on one community',
      'Degraded modes / FindDocuments: PartialSuccess while one community hangs',
      'Degraded modes / Control API: reset',
      'Degraded modes / Control API: no fault left',
      'Degraded modes / FindDocuments: Success again',
      "MHD / Metadata: the broker's CapabilityStatement",
      'MHD / ITI-67 GET: patient known to all networks',
      'MHD / ITI-67 POST _search: the same search as a form body',
      "MHD / ITI-68: the first DocumentReference's attachment.url",
      'MHD / ITI-67: invalid NHS number',
      'MHD / Control API: reset (start clean)',
      'MHD / Control API: add a timeout fault on one community',
      'MHD / ITI-67: 200 with the other documents and an OperationOutcome naming the hung community',
      'MHD / Control API: reset',
      'Integration / FindDocuments: patient known to all networks (signed assertion)',
      'Integration / Retrieve: a document it found (signed assertion)',
      'Integration / FindDocuments: assertion for another patient (refused)',
      'Integration / FindDocuments: no assertion (default deny)',
    ]);
  });

  it('sends a wsse:Security header in the SOAP Header of the Integration requests, but the default-deny one', () => {
    const headerOf = (item: Item): string =>
      /<soap:Header>([\s\S]*)<\/soap:Header>/.exec(item.request!.body!.raw)![1]!;
    const integration = requests.filter((r) => r.folder === 'Integration').map((r) => r.item);
    expect(integration.map((i) => headerOf(i).match(/\{\{samlHeader[A-Za-z]*\}\}/g))).toEqual([
      ['{{samlHeader}}'],
      ['{{samlHeaderRetrieve}}'],
      ['{{samlHeaderOtherPatient}}'],
      null,
    ]);
    expect(
      requests.filter((r) => r.folder !== 'Integration' && /samlHeader/.test(JSON.stringify(r.item))),
    ).toEqual([]);
  });

  /** MHD's requests to the broker's FHIR face; ITI-68's URL is the attachment.url an answer gave. */
  const mhd = requests.filter(
    (r) =>
      r.folder === 'MHD' &&
      typeof r.item.request!.url === 'object' &&
      r.item.request!.url.raw.startsWith('{{brokerUrl}}'),
  );
  const soapOrControl = requests.filter((r) => !mhd.includes(r) && typeof r.item.request!.url === 'object');

  it.each(mhd.map(({ item }) => [item.name, item] as const))(
    "MHD / %s asks the broker's FHIR face for FHIR JSON, and tests the answer",
    (_name, item) => {
      const r = item.request!;
      const url = r.url as Request['url'] & { query?: { key: string; value: string }[] };
      expect(url.host).toEqual(['{{brokerUrl}}']);
      expect(url.path[0]).toBe('fhir');
      const query = (url.query ?? []).map((q) => `${q.key}=${q.value}`).join('&');
      expect(url.raw).toBe(`{{brokerUrl}}/${url.path.join('/')}${query ? `?${query}` : ''}`);
      expect(r.header).toContainEqual({ key: 'Accept', value: 'application/fhir+json', type: 'text' });
      expect(r.description).toBeTruthy();
      expect(code(item.event, 'test')).toMatch(/pm\.test\('HTTP (200|400) with FHIR JSON'/);
      if (r.method === 'POST') {
        expect(url.path).toEqual(['fhir', 'DocumentReference', '_search']);
        expect(r.header).toContainEqual({
          key: 'Content-Type',
          value: 'application/x-www-form-urlencoded',
          type: 'text',
        });
        const form = (r.body as unknown as { mode: string; urlencoded: { key: string; value: string }[] })
          .urlencoded;
        expect(r.body?.mode).toBe('urlencoded');
        // The same search as the GET's query string, unescaped (Postman encodes the form body).
        const get = mhd.find((x) => x.item.name.startsWith('ITI-67 GET'))!.item.request!.url as unknown as {
          query: { key: string; value: string }[];
        };
        expect(form.map((f) => `${f.key}=${f.value}`)).toEqual(
          get.query.map((q) => `${q.key}=${decodeURIComponent(q.value)}`),
        );
      } else {
        expect(r.method).toBe('GET');
        expect(r.body).toBeUndefined();
      }
    },
  );

  it('retrieves with ITI-68 the attachment.url an ITI-67 answer gave, and checks size and SHA-1', () => {
    const folder = folders.find((f) => f.name === 'MHD')!;
    const names = folder.item!.map((i) => i.name);
    const iti68 = folder.item!.find((i) => i.name.startsWith('ITI-68'))!;
    expect(names.indexOf(iti68.name)).toBeGreaterThan(
      names.indexOf('ITI-67 GET: patient known to all networks'),
    );
    // A string URL: Newman sends it exactly as the broker wrote it (a host/path object gains a `/`).
    expect(iti68.request!.url as unknown).toBe('{{mhdAttachmentUrl}}');
    expect(code(iti68.event, 'test')).toContain(
      'CryptoJS.enc.Base64.stringify(CryptoJS.SHA1(CryptoJS.lib.WordArray.create(bytes)))',
    );
    expect(code(folder.item!.find((i) => i.name.startsWith('ITI-67 GET'))!.event, 'test')).toContain(
      "pm.collectionVariables.set('mhdAttachmentUrl', a.url);",
    );
  });

  it.each(soapOrControl.map(({ folder, item }) => [`${folder} / ${item.name}`, item] as const))(
    '%s has a method, a URL, a body when it sends one, and pm.test assertions',
    (_name, item) => {
      const r = item.request!;
      expect(item.item).toBeUndefined();
      expect(['GET', 'POST', 'DELETE']).toContain(r.method);
      expect(r.url.raw).toMatch(/^\{\{(brokerUrl|controlUrl)\}\}\/[a-z0-9/]+$/);
      expect(r.url.host).toHaveLength(1);
      expect(`${r.url.host[0]}/${r.url.path.join('/')}`).toBe(r.url.raw);
      expect(r.description).toBeTruthy();
      expect(code(item.event, 'test')).toMatch(/pm\.test\('/);
      if (r.url.raw.startsWith('{{brokerUrl}}')) {
        const action = r.url.raw.endsWith('/xca/iti38')
          ? SoapAction.CrossGatewayQuery
          : r.url.raw.endsWith('/xcai/rad75')
            ? SoapAction.CrossGatewayRetrieveImagingDocumentSet
            : SoapAction.CrossGatewayRetrieve;
        expect(r.url.raw).toMatch(/\/(xca\/iti3[89]|xcai\/rad75)$/);
        expect(r.method).toBe('POST');
        expect(r.header).toEqual([
          { key: 'Content-Type', value: 'application/soap+xml; charset=UTF-8', type: 'text' },
        ]);
        expect(r.body?.mode).toBe('raw');
        expect(r.body?.options?.raw?.language).toBe('xml');
        expect(r.body?.raw).toContain(`<wsa:Action soap:mustUnderstand="1">${action}</wsa:Action>`);
        expect(r.body?.raw).toContain('<wsa:MessageID>urn:uuid:{{$guid}}</wsa:MessageID>');
      } else if (r.method === 'POST' && r.url.raw !== '{{controlUrl}}/reset') {
        expect(r.header).toEqual([{ key: 'Content-Type', value: 'application/json', type: 'text' }]);
        expect(() => JSON.parse(r.body!.raw) as unknown).not.toThrow();
      } else {
        // GET /topology, GET /faults and POST /reset send nothing.
        expect(r.body).toBeUndefined();
      }
    },
  );

  it("asks RAD-75 for one series of the environment's study, a DocumentRequest per SOP Instance UID", () => {
    const rad75 = requests.find((r) => r.item.request?.url.raw === '{{brokerUrl}}/xcai/rad75')!.item;
    const raw = rad75.request!.body!.raw;
    expect(raw).toContain(
      '<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>',
    );
    expect(raw.replace(/\s+/g, ' ')).toContain(
      '<iherad:RetrieveImagingDocumentSetRequest xmlns:iherad="urn:ihe:rad:xdsi-b:2009" xmlns:xdsb="urn:ihe:iti:xds-b:2007"> ' +
        '<iherad:StudyRequest studyInstanceUID="{{rad75StudyInstanceUid}}"> ' +
        '<iherad:SeriesRequest seriesInstanceUID="{{rad75SeriesInstanceUid}}"> {{rad75DocumentRequests}} ' +
        '</iherad:SeriesRequest> </iherad:StudyRequest> <iherad:TransferSyntaxUIDList> ' +
        '<iherad:TransferSyntaxUID>1.2.840.10008.1.2.1</iherad:TransferSyntaxUID> </iherad:TransferSyntaxUIDList>',
    );
    // The pre-request script builds the DocumentRequests from the environment's SOP Instance UIDs.
    const set = new Map<string, string>();
    const pm = {
      variables: {
        get: (k: string): string | undefined =>
          set.get(k) ??
          {
            rad75SopInstanceUids: '1.2.3,1.2.4',
            rad75HomeCommunityId: 'urn:oid:1.1',
            rad75RepositoryUniqueId: '1.2',
          }[k],
        set: (k: string, value: string) => set.set(k, value),
      },
      test: () => expect.fail('no test when the environment names images'),
      execution: { skipRequest: () => expect.fail('not skipped') },
    };
    const source = `(function (pm) {\n${code(rad75.event, 'prerequest')}\n})`;
    (new VmScript(source).runInNewContext() as (p: typeof pm) => void)(pm);
    const documentRequest = (uid: string): string =>
      '<xdsb:DocumentRequest> <xdsb:HomeCommunityId>urn:oid:1.1</xdsb:HomeCommunityId> ' +
      `<xdsb:RepositoryUniqueId>1.2</xdsb:RepositoryUniqueId> <xdsb:DocumentUniqueId>${uid}</xdsb:DocumentUniqueId> ` +
      '</xdsb:DocumentRequest>';
    expect(set.get('rad75DocumentRequests')!.replace(/\s+/g, ' ').trim()).toBe(
      `${documentRequest('1.2.3')} ${documentRequest('1.2.4')}`,
    );
  });

  it('skips each folder under the other environment, so a whole-collection run is green with either', () => {
    const sandbox = environments.find((e) => e.name === 'localhost-sandbox')!;
    const integration = environments.find((e) => e.name.startsWith('localhost-integration'))!;
    /** A folder's pre-request script run in a fake sandbox: was the request skipped, which tests failed. */
    const runFolder = (folder: string, env: PostmanEnvironment, extra: Record<string, string> = {}) => {
      const values = new Map([
        ...env.values.map((v) => [v.key, v.value] as [string, string]),
        ...Object.entries(extra),
      ]);
      const outcome = { skipped: false, failedTests: [] as string[] };
      const pm = {
        environment: { has: (k: string) => values.has(k) },
        variables: { get: (k: string) => values.get(k) },
        collectionVariables: {
          get: (k: string) => ({ documentUniqueId: '1', otherDocumentUniqueId: '2' })[k],
        },
        info: { requestName: 'a request' },
        test: (name: string, fn: () => void) => {
          try {
            fn();
          } catch {
            outcome.failedTests.push(name);
          }
        },
        execution: { skipRequest: () => void (outcome.skipped = true) },
      };
      const source = `(function (pm, console) {\n${code(folders.find((f) => f.name === folder)!.event, 'prerequest')}\n})`;
      (new VmScript(source).runInNewContext() as (p: typeof pm, c: { log: () => void }) => void)(pm, {
        log: () => undefined,
      });
      return outcome;
    };
    const sandboxFolders = folders.map((f) => f.name).filter((n) => n !== 'Integration');
    expect(sandboxFolders).toEqual(['Discover', 'Retrieve', 'Errors', 'Degraded modes', 'MHD']);
    for (const f of sandboxFolders) {
      expect(runFolder(f, sandbox), f).toEqual({ skipped: false, failedTests: [] });
      expect(runFolder(f, integration, { samlHeader: '<wsse:Security/>' }), f).toEqual({
        skipped: true,
        failedTests: [],
      });
    }
    expect(runFolder('Integration', sandbox)).toEqual({ skipped: true, failedTests: [] });
    expect(runFolder('Integration', integration, { samlHeader: '<wsse:Security/>' })).toEqual({
      skipped: false,
      failedTests: [],
    });
    // The integration environment as committed, before npm run postman (or the user) fills samlHeader.
    expect(runFolder('Integration', integration)).toEqual({
      skipped: true,
      failedTests: ['localhost-integration environment with samlHeader set'],
    });
  });

  it('has scripts that parse as JavaScript', () => {
    const scripts = [
      ...(collection.event ?? []),
      ...folders.flatMap((f) => [...(f.event ?? []), ...(f.item ?? []).flatMap((i) => i.event ?? [])]),
    ];
    expect(scripts.length).toBeGreaterThan(requests.length);
    for (const s of scripts) {
      expect(s.script.type).toBe('text/javascript');
      // Compiled, never run: a syntax error throws here. `pm` and `require` are the sandbox's.
      const source = `(function (pm, require) {\n${s.script.exec.join('\n')}\n})`;
      expect(() => new VmScript(source, { filename: 'postman-script.js' })).not.toThrow();
    }
  });

  it('uses only variables the environments, the collection or Postman define', () => {
    const defined = new Set([...collection.variable.map((v) => v.key), '$guid']);
    const text = JSON.stringify(collection);
    const used = new Set([...text.matchAll(/\{\{([^{}]+)\}\}/g)].map((m) => m[1]!));
    const scriptGets = new Set(
      [...text.matchAll(/(?:pm\.variables\.get|v|list)\('([A-Za-z0-9]+)'\)/g)].map((m) => m[1]!),
    );
    // Local variables the collection's own scripts set.
    for (const local of ['xca', 'previousMessageId', 'rad75DocumentRequests']) defined.add(local);
    for (const env of environments) {
      const keys = new Set([...defined, ...env.values.map((v) => v.key)]);
      expect(
        [...used].filter((k) => !keys.has(k)),
        env.name,
      ).toEqual([]);
      expect(
        [...scriptGets].filter((k) => !keys.has(k)),
        env.name,
      ).toEqual([]);
    }
    expect(used.size).toBeGreaterThan(10);
  });
});
