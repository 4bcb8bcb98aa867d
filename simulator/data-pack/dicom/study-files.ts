/**
 * Writes one study's DICOM content into a pack: every image as a Part 10 file under
 * `communities/<name>/dicom/<Study Instance UID>/`, then the KOS manifest that references them
 * under `documents/<uniqueId>.dcm`, and returns the manifest's DocumentEntry and index entry.
 * One image is in memory at a time, so studies of any size can be generated.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DocumentEntry } from '../../xca/document-entry-model.js';
import type { CommunityManifest, ImagingOptions, ImagingSeries, ImagingStudy } from '../pack-format.js';
import { documentFile, imageFile } from '../pack-format.js';
import type { Study } from '../studies.js';
import { manifestSeriesUid, manifestUid, seriesInstanceUid, sopInstanceUid } from '../uids.js';
import { imageInstance, imageSopClass } from './image-instance.js';
import { kosManifest } from './kos-manifest.js';
import { manifestEntry } from './manifest-entry.js';

/** A written study: its index entry, its manifest's DocumentEntry, and what was written. */
interface WrittenStudy {
  index: ImagingStudy;
  entry: DocumentEntry;
  /** Files written (images and manifest) and their total size, bytes. */
  files: number;
  bytes: number;
}

/**
 * Generate and write the images and the KOS manifest of `study` (community number `c`, 1-based)
 * into pack `dir`.
 * @param uidRoot the pack's root; image UIDs follow uids.ts.
 * @throws RangeError when a UID would exceed 64 characters (the generator checks options first).
 */
export async function writeStudyImaging(
  dir: string,
  c: number,
  community: CommunityManifest,
  study: Study,
  uidRoot: string,
  o: ImagingOptions,
): Promise<WrittenStudy> {
  const n = study.studyNumber;
  const series: ImagingSeries[] = [];
  let files = 0;
  let bytes = 0;
  const sopClassUid = imageSopClass(o.frames);
  for (let s = 1; s <= o.series; s++) {
    const seriesUid = seriesInstanceUid(uidRoot, c, n, s);
    const entry: ImagingSeries = {
      seriesInstanceUid: seriesUid,
      modality: study.modality,
      sopClassUid,
      instances: [],
    };
    for (let i = 1; i <= o.instances; i++) {
      const k = (s - 1) * o.instances + i;
      const sopUid = sopInstanceUid(uidRoot, c, n, k);
      const pos = {
        seriesInstanceUid: seriesUid,
        seriesNumber: s,
        sopInstanceUid: sopUid,
        instanceNumber: i,
      };
      const bytesOf = imageInstance(study, community, { ...pos, imageNumber: k }, o);
      const path = imageFile(dir, community.name, study.studyInstanceUid, sopUid);
      if (k === 1) await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytesOf);
      files++;
      bytes += bytesOf.length;
      entry.instances.push({ sopInstanceUid: sopUid, size: bytesOf.length });
    }
    series.push(entry);
  }
  const manifestId = manifestUid(uidRoot, c, n);
  const manifest = kosManifest(
    study,
    community,
    { sopInstanceUid: manifestId, seriesInstanceUid: manifestSeriesUid(uidRoot, c, n) },
    series.map((s) => ({
      seriesInstanceUid: s.seriesInstanceUid,
      images: s.instances.map((i) => ({ sopClassUid: s.sopClassUid, sopInstanceUid: i.sopInstanceUid })),
    })),
  );
  await writeFile(documentFile(dir, community.name, manifestId, 'application/dicom'), manifest);
  const index: ImagingStudy = {
    studyInstanceUid: study.studyInstanceUid,
    accessionNumber: study.accessionNumber,
    patientId: study.patient.nhsNumber,
    manifestUniqueId: manifestId,
    series,
  };
  const images = o.series * o.instances;
  const entry = manifestEntry(study, community, manifestId, manifest, { series: o.series, images });
  return { index, entry, files: files + 1, bytes: bytes + manifest.length };
}
