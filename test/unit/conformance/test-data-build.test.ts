/** The provider run's test data, read from the default pack: whom it picks and what it expects of them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestData } from '../../../simulator/conformance/test-data-build.js';
import { loadDataPack } from '../../../simulator/data-pack/loader.js';
import type { DataPack } from '../../../simulator/data-pack/pack-format.js';
import { SimError } from '../../../simulator/shared/errors.js';
import { defaultPackDir } from '../../helpers/topology.js';

let pack: DataPack;
beforeAll(async () => {
  pack = await loadDataPack(defaultPackDir);
});

describe('buildTestData', () => {
  it('picks the patient every community holds and the community patient with most documents', () => {
    const data = buildTestData(pack, 'north-east-imaging-network');
    expect(data.patients.map((p) => [p.nhsNumber, p.documents.length, p.studies.length])).toEqual([
      ['9995649284', 4, 2],
      ['9992549033', 8, expect.any(Number)],
    ]);
    expect(data.unknownPatient).toEqual({
      nhsNumber: '9990442576',
      patientCx: '9990442576^^^&2.16.840.1.113883.2.1.4.1&ISO',
    });
    const pdf = data.patients[0]!.documents.find(
      (d) => d.uniqueId === '2.25.143717819127266221728204988935439350416.4.1.1',
    );
    expect(pdf).toEqual({
      entryUuid: 'urn:uuid:f316449f-ac36-576e-b451-46269dc42eda',
      uniqueId: '2.25.143717819127266221728204988935439350416.4.1.1',
      repositoryUniqueId: '2.25.143717819127266221728204988935439350416.2.1',
      mimeType: 'application/pdf',
      size: 2733,
      hash: '8bd522989b68510148fd7fb0607370b32d5c0288',
      classCode: '4201000179104',
      typeCode: '169069000',
      formatCode: 'urn:ihe:rad:PDF',
      creationTime: '20221023044339',
      studyInstanceUid: '2.25.143717819127266221728204988935439350416.5.1.1',
      accessionNumber: 'SIM0100000001',
    });
    const study = data.patients[0]!.studies[0]!;
    expect(study.studyInstanceUid).toBe('2.25.143717819127266221728204988935439350416.5.1.1');
    expect(study.series[0]!.instances).toHaveLength(2);
    expect(study.transferSyntaxUids.length).toBeGreaterThan(0);
  });

  it('takes named patients, and refuses an unknown community or patient saying what exists', () => {
    expect(buildTestData(pack, 'yorkshire-imaging-network', ['9995649284']).patients).toHaveLength(1);
    expect(() => buildTestData(pack, 'nowhere')).toThrow(SimError);
    expect(() => buildTestData(pack, 'nowhere')).toThrow(
      /use one of north-east-imaging-network, north-west-imaging-network, yorkshire-imaging-network/,
    );
    expect(() => buildTestData(pack, 'north-east-imaging-network', ['9990000018'])).toThrow(
      /--patient 9990000018 is not a patient/,
    );
  });
});
