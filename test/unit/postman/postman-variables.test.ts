/**
 * The CI check (docs/postman.md): the committed Postman environments are exactly what
 * `npm run postman:variables` writes from the default data pack, plus the variables' derivation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack, type DataPack } from '../../../simulator/data-pack/loader.js';
import { SimError } from '../../../simulator/shared/errors.js';
import {
  buildEnvironments,
  creationTimeRange,
  defaultPackDir,
  EnvironmentFile,
  packVariables,
  postmanDir,
  renderEnvironment,
  type EnvironmentName,
} from '../../../scripts/postman-variables.js';

let pack: DataPack;
beforeAll(async () => {
  pack = await loadDataPack(defaultPackDir);
});

describe('postman environments', () => {
  it.each(Object.keys(EnvironmentFile) as EnvironmentName[])(
    'the committed %s environment is what postman:variables writes from data-packs/default',
    async (name) => {
      const committed = readFileSync(path.join(postmanDir, EnvironmentFile[name]), 'utf8');
      const fresh = await renderEnvironment(buildEnvironments(pack)[name]);
      expect(
        committed,
        `postman/${EnvironmentFile[name]} is out of date: run npm run postman:variables and commit it`,
      ).toBe(fresh);
    },
  );

  it('takes the patients and communities from the default pack', () => {
    const vars = packVariables(pack);
    const [ne, nw, yorkshire] = pack.communities.map((c) => c.homeCommunityId);
    const uid = pack.manifest.uidRoot;
    expect(vars).toEqual({
      nhsAllNetworks: '9995649284',
      nhsAllNetworksDocuments: '20',
      nhsOneNetwork: '9995527421',
      nhsOneNetworkDocuments: '8',
      nhsOneNetworkHome: ne,
      nhsNoNetwork: '9990442576',
      nhsInvalid: '9999999991',
      communityHomes: `${ne},${nw},${yorkshire}`,
      unknownPatientWarningHomes: nw,
      creationTimeFrom: '20200929',
      creationTimeTo: '20230511',
      creationTimeDocuments: '10',
      classCode: '4201000179104',
      classCodeScheme: '2.16.840.1.113883.6.96',
      classCodeDocuments: '10',
      firstCommunityHome: ne,
      firstCommunityRepositoryUniqueId: pack.communities[0]!.repositoryUniqueId,
      faultCommunityName: 'yorkshire-imaging-network',
      faultCommunityHome: yorkshire,
      degradedDocuments: '12',
      unknownHomeCommunityId: `urn:oid:${pack.manifest.uidRoot}.1.0`,
      unknownDocumentUniqueId: `${pack.manifest.uidRoot}.4.1.0`,
      rad75StudyInstanceUid: `${uid}.5.1.1`,
      rad75SeriesInstanceUid: `${uid}.6.1.1.1`,
      rad75SopInstanceUids: `${uid}.7.1.1.1,${uid}.7.1.1.2`,
      rad75InstanceCount: '2',
      rad75HomeCommunityId: ne,
      rad75RepositoryUniqueId: pack.communities[0]!.repositoryUniqueId,
    });
    expect(pack.communities.flatMap((c) => c.homeCommunityId)).not.toContain(vars['unknownHomeCommunityId']);
    expect(pack.communities.flatMap((c) => c.entries.map((e) => e.uniqueId))).not.toContain(
      vars['unknownDocumentUniqueId'],
    );
  });

  it('points the integration environment at the integration port, its certificates and empty SAML headers', () => {
    const { integration, sandbox } = buildEnvironments(pack);
    const values = Object.fromEntries(integration.values.map((v) => [v.key, v.value]));
    expect(integration.name).toBe('localhost-integration');
    expect({
      integrationPortReady: values['integrationPortReady'],
      brokerUrl: values['brokerUrl'],
      clientCertificate: values['clientCertificate'],
      clientKey: values['clientKey'],
      caCertificate: values['caCertificate'],
      samlHeader: values['samlHeader'],
      samlHeaderRetrieve: values['samlHeaderRetrieve'],
      samlHeaderOtherPatient: values['samlHeaderOtherPatient'],
    }).toEqual({
      integrationPortReady: 'true',
      brokerUrl: 'https://127.0.0.1:8443',
      clientCertificate: 'certs/out/supplier/client.pem',
      clientKey: 'certs/out/supplier/client.key',
      caCertificate: 'certs/out/nir/root-ca.pem',
      samlHeader: '',
      samlHeaderRetrieve: '',
      samlHeaderOtherPatient: '',
    });
    expect(sandbox.values.slice(0, 2)).toEqual([
      { key: 'brokerUrl', value: 'http://127.0.0.1:8080', type: 'default', enabled: true },
      { key: 'controlUrl', value: 'http://127.0.0.1:8090', type: 'default', enabled: true },
    ]);
  });

  it('counts a creation-time range From inclusive, To exclusive, at day precision', () => {
    const entries = [
      '20200101120000',
      '20200301000000',
      '20200301235959',
      '20200401000000',
      '20200501000000',
    ].map((creationTime) => ({ ...pack.communities[0]!.entries[0]!, creationTime }));
    expect(creationTimeRange(entries)).toEqual({ from: '20200301', to: '20200401', count: 2 });
  });

  it('refuses a pack the collection cannot use, saying why', () => {
    const single: DataPack = { ...pack, communities: pack.communities.slice(0, 1) };
    expect(() => packVariables(single)).toThrow(SimError);
    expect(() => packVariables(single)).toThrow(`${pack.dir}: fewer than two communities`);
    const noExample: DataPack = {
      ...pack,
      manifest: { ...pack.manifest, examples: { inAllCommunities: '9995649284' } },
    };
    expect(() => packVariables(noExample)).toThrow('pack.json examples lacks a patient');
  });

  it('leaves the RAD-75 variables out for a pack without imaging', () => {
    const noImaging: DataPack = {
      ...pack,
      communities: pack.communities.map((c) => ({ ...c, imaging: [] })),
    };
    expect(Object.keys(packVariables(noImaging)).filter((k) => k.startsWith('rad75'))).toEqual([]);
  });
});
