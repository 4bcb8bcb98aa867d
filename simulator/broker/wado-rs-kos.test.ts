/**
 * Reading the default pack's KOS manifests (broker/wado-rs-kos.ts): every series and image of the
 * study with its retrieve location and home, nothing of another study, and each bound refusing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../data-pack/loader.js';
import type { DataPack } from '../data-pack/pack-format.js';
import { documentFile } from '../data-pack/pack-format.js';
import { KosManifestError, MAX_KOS_BYTES, readKosManifest } from './wado-rs-kos.js';

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data-packs/default');

describe('readKosManifest', () => {
  let pack: DataPack;
  beforeAll(async () => {
    pack = await loadDataPack(packDir);
  });
  const kosOf = (ci: number, si: number) => {
    const c = pack.communities[ci]!;
    const study = c.imaging[si]!;
    return { c, study, file: documentFile(pack.dir, c.name, study.manifestUniqueId, 'application/dicom') };
  };

  it("gives every image of every study of the pack, with the community's repository and home", async () => {
    let studies = 0;
    for (const c of pack.communities)
      for (const study of c.imaging) {
        const kos = await readFile(
          documentFile(pack.dir, c.name, study.manifestUniqueId, 'application/dicom'),
        );
        expect(readKosManifest(kos, study.studyInstanceUid)).toEqual(
          study.series.map((s) => ({
            seriesInstanceUid: s.seriesInstanceUid,
            repositoryUniqueId: c.repositoryUniqueId,
            homeCommunityId: c.homeCommunityId,
            sopInstanceUids: s.instances.map((i) => i.sopInstanceUid),
          })),
        );
        studies++;
      }
    expect(studies).toBeGreaterThan(3);
  });

  it('gives nothing for a study the manifest does not reference', async () => {
    const { file } = kosOf(0, 0);
    expect(readKosManifest(await readFile(file), '1.2.3.4')).toEqual([]);
  });

  it('refuses what is not a KOS, is not DICOM, is too large, or references more than the limits', async () => {
    const { c, study, file } = kosOf(0, 0);
    const kos = await readFile(file);
    const s = study.series[0]!;
    const image = await readFile(
      c.findImage(study.studyInstanceUid, s.seriesInstanceUid, s.instances[0]!.sopInstanceUid)!.path,
    );
    const cases: [Buffer, string, { maxSeries: number; maxImages: number } | undefined][] = [
      [
        image,
        `the manifest's SOP Class UID is ${s.sopClassUid}, not 1.2.840.10008.5.1.4.1.1.88.59 (Key Object Selection)`,
        undefined,
      ],
      [Buffer.from('not dicom at all'), 'the manifest is not DICOM Part 10: ', undefined],
      [
        Buffer.alloc(MAX_KOS_BYTES + 1),
        `the manifest is ${MAX_KOS_BYTES + 1} bytes, more than the ${MAX_KOS_BYTES} read`,
        undefined,
      ],
      [kos, 'the manifest references more than 0 series', { maxSeries: 0, maxImages: 10 }],
      [kos, 'the manifest references more than 1 images', { maxSeries: 10, maxImages: 1 }],
    ];
    for (const [bytes, message, limits] of cases) {
      let thrown: unknown;
      try {
        readKosManifest(bytes, study.studyInstanceUid, limits);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(KosManifestError);
      expect((thrown as Error).message.slice(0, message.length)).toBe(message);
    }
  });
});
