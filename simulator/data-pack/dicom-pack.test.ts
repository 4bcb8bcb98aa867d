/**
 * DICOM in data packs: every image and KOS manifest is a valid Part 10 file (dcmdump reads it
 * without a word, dicom-parser finds the UIDs the pack's index and DocumentEntries name), the
 * manifest references every image with its retrieve location, generation is deterministic, and
 * the loader checks the imaging index.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataPack } from './generator.js';
import { loadDataPack } from './loader.js';
import { documentFile, imageFile, type DataPack } from './pack-format.js';
import { transcodePart10 } from './dicom/part10.js';
import { NIR_SIM_UID_ROOT } from './uids.js';
import { SimError } from '../shared/errors.js';
import { diffTrees, tempDir } from './test-support/pack-fixtures.js';
import { skipWithoutTool } from '../../test/helpers/system-tools.js';
import {
  DCIODVFY_MISSING,
  dciodvfyAvailable,
  dciodvfyFindings,
  dcmdumpBuffers,
  dcmdumpProblems,
  identity,
  KOS_DCIODVFY_WARNINGS,
  manifestReferences,
  parseDicom,
} from '../../test/helpers/imaging-dicom-tools.js';

const DEFAULT_DIR = join(import.meta.dirname, '../../data-packs/default');
const KOS = '1.2.840.10008.5.1.4.1.1.88.59';
const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Every image and manifest file of a loaded pack, with what it should say. */
function filesOf(pack: DataPack) {
  return pack.communities.flatMap((c) =>
    c.imaging.flatMap((study) => {
      const manifest = c.entries.find((e) => e.uniqueId === study.manifestUniqueId)!;
      const images = study.series.flatMap((se) =>
        se.instances.map((im) => ({
          path: imageFile(pack.dir, c.name, study.studyInstanceUid, im.sopInstanceUid),
          expect: {
            sopInstanceUid: im.sopInstanceUid,
            sopClassUid: se.sopClassUid,
            seriesInstanceUid: se.seriesInstanceUid,
            modality: se.modality,
          },
        })),
      );
      return [{ community: c, study, manifest, images }];
    }),
  );
}

describe('the default pack (1 series x 2 images of 16 x 16 per study)', () => {
  let pack: DataPack;
  beforeAll(async () => {
    pack = await loadDataPack(DEFAULT_DIR);
  });

  it('records its imaging in pack.json and gives every study a KOS manifest entry right after its report', () => {
    expect(pack.manifest.imaging).toEqual({
      series: 1,
      instances: 2,
      rows: 16,
      columns: 16,
      frames: 1,
      transferSyntaxUid: EXPLICIT,
    });
    for (const c of pack.communities) {
      expect(c.imaging.length * 2).toBe(c.entries.length);
      c.entries.forEach((e, i) =>
        expect(e.mimeType).toBe(i % 2 === 0 ? 'application/pdf' : 'application/dicom'),
      );
    }
  });

  it.skipIf(skipWithoutTool('dcmdump'))(
    'every image and manifest passes dcmdump without a warning or an error',
    { timeout: 180_000 },
    async () => {
      const paths = filesOf(pack).flatMap((s) => [
        documentFile(pack.dir, s.community.name, s.manifest.uniqueId, 'application/dicom'),
        ...s.images.map((i) => i.path),
      ]);
      expect(paths.length).toBe(pack.communities.reduce((n, c) => n + c.imaging.length * 3, 0));
      expect(await dcmdumpProblems(paths)).toEqual([]);
    },
  );

  // dciodvfy is a process per file, some 200 of them: on a busy machine that outgrows the default
  // 30 s, so the bound is generous (a timeout here would say nothing about the files).
  it(
    'every image passes dciodvfy without an error or a warning; every KOS manifest without an error',
    { timeout: 180_000 },
    async (ctx) => {
      ctx.skip(!dciodvfyAvailable(), DCIODVFY_MISSING);
      const files = filesOf(pack);
      const images = files.flatMap((s) => s.images.map((i) => i.path));
      const manifests = files.map((s) =>
        documentFile(pack.dir, s.community.name, s.manifest.uniqueId, 'application/dicom'),
      );
      expect(await dciodvfyFindings(images)).toEqual({ errors: [], warnings: [] });
      expect(await dciodvfyFindings(manifests)).toEqual({ errors: [], warnings: KOS_DCIODVFY_WARNINGS });
    },
  );

  it('gives mammography series a Laterality (Type 2C for the paired BREAST) and other body parts none', async () => {
    const seen = new Map<string, Set<string | undefined>>();
    for (const { images } of filesOf(pack)) {
      for (const img of images) {
        const ds = parseDicom(await readFile(img.path));
        const part = ds.string('x00180015')!;
        if (!seen.has(part)) seen.set(part, new Set());
        seen.get(part)!.add(ds.elements['x00200060'] ? ds.string('x00200060') : 'absent');
      }
    }
    expect(Object.fromEntries([...seen].map(([k, v]) => [k, [...v]]))).toEqual({
      ABDOMEN: ['absent'],
      BRAIN: ['absent'],
      BREAST: ['R'],
      CHEST: ['absent'],
      HEAD: ['absent'],
      WHOLEBODY: ['absent'],
    });
  });

  it('every image carries the patient, study, series and SOP UIDs the pack names, all within 64 characters', async () => {
    for (const { study, manifest, images } of filesOf(pack)) {
      const patient = pack.patients.find((p) => p.nhsNumber === study.patientId)!;
      for (const img of images) {
        const ds = parseDicom(await readFile(img.path));
        expect(identity(ds)).toEqual({
          transferSyntaxUid: EXPLICIT,
          mediaStorageSopInstanceUid: img.expect.sopInstanceUid,
          sopClassUid: img.expect.sopClassUid,
          sopInstanceUid: img.expect.sopInstanceUid,
          studyInstanceUid: study.studyInstanceUid,
          seriesInstanceUid: img.expect.seriesInstanceUid,
          patientId: patient.nhsNumber,
          issuerOfPatientId: '2.16.840.1.113883.2.1.4.1',
          accessionNumber: study.accessionNumber,
          modality: img.expect.modality,
        });
        expect(ds.string('x00100010')).toBe(`${patient.familyName}^${patient.givenName}`);
        expect(ds.string('x00100030')).toBe(patient.birthDate.replace(/-/g, ''));
        expect(ds.string('x00100040')).toBe({ male: 'M', female: 'F', other: 'O' }[patient.gender]);
        expect([ds.uint16('x00280010'), ds.uint16('x00280011'), ds.elements['x7fe00010']!.length]).toEqual([
          16, 16, 512,
        ]);
        expect(ds.string('x00080060')).toBe(manifest.eventCodeList[0]!.code);
        for (const uid of Object.values(identity(ds))) expect(uid!.length).toBeLessThanOrEqual(64);
        expect(img.expect.sopInstanceUid.startsWith(`${NIR_SIM_UID_ROOT}.7.`)).toBe(true);
      }
    }
  });

  it("each manifest is a KOS of the study's patient that references every image with the community's retrieve location", async () => {
    for (const { community: c, study, manifest, images } of filesOf(pack)) {
      const kos = await readFile(documentFile(pack.dir, c.name, manifest.uniqueId, 'application/dicom'));
      const ds = parseDicom(kos);
      expect(identity(ds)).toMatchObject({
        sopClassUid: KOS,
        sopInstanceUid: manifest.uniqueId,
        studyInstanceUid: study.studyInstanceUid,
        patientId: study.patientId,
        accessionNumber: study.accessionNumber,
        modality: 'KO',
      });
      expect(ds.elements['x0040a043']!.items![0]!.dataSet!.string('x00080100')).toBe('113030');
      expect(manifestReferences(kos)).toEqual(
        images.map((i) => ({
          studyInstanceUid: study.studyInstanceUid,
          seriesInstanceUid: i.expect.seriesInstanceUid,
          retrieveLocationUid: c.repositoryUniqueId,
          homeCommunityId: c.homeCommunityId,
          sopClassUid: i.expect.sopClassUid,
          sopInstanceUid: i.expect.sopInstanceUid,
        })),
      );
      expect(manifest).toMatchObject({
        mimeType: 'application/dicom',
        formatCode: { code: KOS, codingScheme: '1.2.840.10008.2.6.1' },
        eventCodeList: [{ codingScheme: '1.2.840.10008.2.16.4' }],
        referenceIdList: [
          `${study.accessionNumber}^^^&${c.organisationOid}&ISO^urn:ihe:iti:xds:2013:accession`,
          `${study.studyInstanceUid}^^^^urn:ihe:iti:xds:2016:studyInstanceUID`,
        ],
        size: kos.length,
        hash: createHash('sha1').update(kos).digest('hex'),
        repositoryUniqueId: c.repositoryUniqueId,
        homeCommunityId: c.homeCommunityId,
      });
    }
  });

  it('re-encodes an image in Implicit VR Little Endian and back without changing a byte', async () => {
    const img = filesOf(pack)[0]!.images[0]!;
    const explicit = await readFile(img.path);
    const implicit = transcodePart10(explicit, IMPLICIT);
    expect(identity(parseDicom(implicit))).toEqual({
      ...identity(parseDicom(explicit)),
      transferSyntaxUid: IMPLICIT,
    });
    if (!skipWithoutTool('dcmdump')) expect(await dcmdumpBuffers([implicit])).toEqual([]);
    expect(transcodePart10(implicit, EXPLICIT).equals(explicit)).toBe(true);
    expect(() => transcodePart10(explicit, '1.2.840.10008.1.2.4.50')).toThrow(
      new RangeError('cannot encode in transfer syntax 1.2.840.10008.1.2.4.50'),
    );
  });
});

describe('a generated imaging pack (2 series x 3 images of 8 x 12 pixels, 3 frames)', () => {
  const opts = {
    seed: 7,
    communities: 2,
    patients: 4,
    imaging: { series: 2, instances: 3, rows: 8, columns: 12, frames: 3 },
  } as const;
  let dir: string;
  beforeAll(async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    dir = t.dir;
    await generateDataPack({ ...opts, outDir: dir });
  });

  it('is byte-identical when generated again', async () => {
    const again = await tempDir();
    cleanups.push(again.cleanup);
    await generateDataPack({ ...opts, outDir: again.dir });
    expect(await diffTrees(dir, again.dir)).toEqual([]);
  });

  it('its multi-frame images (SC Multi-frame Image module) and manifests pass dciodvfy', async (ctx) => {
    ctx.skip(!dciodvfyAvailable(), DCIODVFY_MISSING);
    const pack = await loadDataPack(dir);
    const files = filesOf(pack);
    const images = files.flatMap((s) => s.images.map((i) => i.path));
    const manifests = files.map((s) =>
      documentFile(pack.dir, s.community.name, s.manifest.uniqueId, 'application/dicom'),
    );
    expect(await dciodvfyFindings(images)).toEqual({ errors: [], warnings: [] });
    expect(await dciodvfyFindings(manifests)).toEqual({ errors: [], warnings: KOS_DCIODVFY_WARNINGS });
  });

  it('has multi-frame images of the requested geometry that pass dcmdump', async () => {
    const pack = await loadDataPack(dir);
    const files = filesOf(pack);
    expect(files.every((s) => s.study.series.length === 2 && s.images.length === 6)).toBe(true);
    if (!skipWithoutTool('dcmdump')) {
      expect(await dcmdumpProblems(files.flatMap((s) => s.images.map((i) => i.path)))).toEqual([]);
    }
    const ds = parseDicom(await readFile(files[0]!.images[5]!.path));
    expect(identity(ds).sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.7.3');
    expect([
      ds.uint16('x00280010'),
      ds.uint16('x00280011'),
      ds.intString('x00280008'),
      ds.elements['x7fe00010']!.length,
    ]).toEqual([8, 12, 3, 8 * 12 * 3 * 2]);
    expect(ds.string('x00200011')).toBe('2');
  });

  it('the loader finds an image only under its own study and series, and reports a missing or cut image', async () => {
    const pack = await loadDataPack(dir);
    const c = pack.communities.find((x) => x.imaging.length > 0)!;
    const [study] = c.imaging;
    const [s1, s2] = study!.series;
    const sop = s1!.instances[0]!.sopInstanceUid;
    expect(c.findImage(study!.studyInstanceUid, s1!.seriesInstanceUid, sop)).toEqual({
      path: imageFile(dir, c.name, study!.studyInstanceUid, sop),
      size: s1!.instances[0]!.size,
      sopClassUid: s1!.sopClassUid,
      transferSyntaxUid: EXPLICIT,
    });
    expect(c.findImage(study!.studyInstanceUid, s2!.seriesInstanceUid, sop)).toBeUndefined();
    expect(c.findImage('1.2.3', s1!.seriesInstanceUid, sop)).toBeUndefined();
    const other = s2!.instances[1]!.sopInstanceUid;
    await rm(imageFile(dir, c.name, study!.studyInstanceUid, sop));
    await truncate(imageFile(dir, c.name, study!.studyInstanceUid, other), 100);
    const err = await loadDataPack(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe('SIM_ERR_DATA_PACK_INVALID');
    expect((err as { cause: { problems: string[] } }).cause.problems).toEqual([
      `communities/${c.name}/imaging.json[0]: image dicom/${study!.studyInstanceUid}/${sop}.dcm is missing`,
      `communities/${c.name}/imaging.json[0]: image ${other} is 100 bytes, imaging.json says ${s2!.instances[1]!.size}`,
    ]);
  });
});

describe('imaging options', () => {
  it.each([
    [{ series: 0, instances: 1, rows: 8, columns: 8, frames: 1 }, '--series must be 1..100, got 0'],
    [{ series: 1, instances: 1, rows: 8, columns: 5000, frames: 1 }, '--cols must be 1..4096, got 5000'],
    [{ series: 1, instances: 1.5, rows: 8, columns: 8, frames: 1 }, '--instances must be 1..10000, got 1.5'],
  ])('%j is refused with SIM_ERR_BAD_ARGUMENT', async (imaging, message) => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    await expect(
      generateDataPack({ seed: 1, communities: 1, patients: 3, imaging, outDir: t.dir }),
    ).rejects.toThrow(new SimError('SIM_ERR_BAD_ARGUMENT', `data-pack generate: ${message}`));
  });

  it('refuses options whose longest UID would exceed 64 characters', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const imaging = { series: 100, instances: 10_000, rows: 1, columns: 1, frames: 1 };
    await expect(
      generateDataPack({ seed: 1, communities: 200, patients: 100_000, imaging, outDir: t.dir }),
    ).rejects.toThrow(/UIDs longer than 64 characters \(2\.25\.\d+\.7\.200\.400000\.1000000\)/);
  });
});
