/**
 * Loading a community's imaging.json (pack-format.ts ImagingStudy[]): structure, UIDs, the file of
 * every image (present, recorded size; checked with stat, never read) and the manifest entry of
 * every study. Every problem is collected, one line each, as the rest of the loader does.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isOid } from '../../shared/ids.js';
import type { DocumentEntry } from '../../xca/document-entry-model.js';
import {
  PackFiles,
  communityDir,
  imageFile,
  type CommunityManifest,
  type ImageLocation,
  type ImagingStudy,
  type PackImaging,
} from '../pack-format.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUid = (v: unknown): v is string => typeof v === 'string' && isOid(v);

/** Image lookup by SOP Instance UID, with the study and series each image belongs to. */
export type ImageIndex = Map<string, ImageLocation & { study: string; series: string }>;

/** Structural problems of one study object; images are checked by the caller. */
function studyProblems(s: unknown, where: string): string[] {
  if (!isObject(s)) return [`${where}: must be an object`];
  const problems: string[] = [];
  for (const key of ['studyInstanceUid', 'manifestUniqueId'] as const)
    if (!isUid(s[key])) problems.push(`${where}: ${key} must be a UID of at most 64 characters`);
  if (typeof s['accessionNumber'] !== 'string') problems.push(`${where}: accessionNumber must be a string`);
  if (typeof s['patientId'] !== 'string' || !/^\d{10}$/.test(s['patientId']))
    problems.push(`${where}: patientId must be a 10-digit NHS number`);
  const series = s['series'];
  if (!Array.isArray(series) || series.length === 0)
    return [...problems, `${where}: series must be a non-empty array`];
  series.forEach((se, j) => {
    const at = `${where}.series[${j}]`;
    if (
      !isObject(se) ||
      !isUid(se['seriesInstanceUid']) ||
      !isUid(se['sopClassUid']) ||
      typeof se['modality'] !== 'string'
    ) {
      problems.push(`${at}: needs a seriesInstanceUid and sopClassUid (UIDs) and a modality`);
      return;
    }
    const images = se['instances'];
    if (!Array.isArray(images) || images.length === 0)
      problems.push(`${at}: instances must be a non-empty array`);
    else
      images.forEach((im, k) => {
        if (!isObject(im) || !isUid(im['sopInstanceUid']) || !Number.isSafeInteger(im['size']))
          problems.push(`${at}.instances[${k}]: needs a sopInstanceUid (UID) and a size (bytes)`);
      });
  });
  return problems;
}

/** Every image file must exist with its recorded size. */
async function checkImages(
  dir: string,
  c: CommunityManifest,
  study: ImagingStudy,
  where: string,
  problems: string[],
): Promise<void> {
  for (const se of study.series) {
    for (const im of se.instances) {
      const path = imageFile(dir, c.name, study.studyInstanceUid, im.sopInstanceUid);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile())
        problems.push(
          `${where}: image ${PackFiles.dicom}/${study.studyInstanceUid}/${im.sopInstanceUid}.dcm is missing`,
        );
      else if (st.size !== im.size)
        problems.push(
          `${where}: image ${im.sopInstanceUid} is ${st.size} bytes, imaging.json says ${im.size}`,
        );
    }
  }
}

/**
 * Read and check `communities/<name>/imaging.json` of an imaging pack. Each study's
 * manifestUniqueId must be an entry of the community with mimeType application/dicom, and the
 * study's patient must be that entry's patient.
 * @returns the studies that passed (problems are pushed onto `problems`).
 */
export async function loadImagingStudies(
  dir: string,
  c: CommunityManifest,
  entries: readonly DocumentEntry[],
  problems: string[],
): Promise<ImagingStudy[]> {
  const label = `${PackFiles.communities}/${c.name}/${PackFiles.imaging}`;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(communityDir(dir, c.name), PackFiles.imaging), 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    problems.push(
      `${label}: ${missing ? 'file is missing (pack.json declares imaging)' : `not valid JSON (${(e as Error).message})`}`,
    );
    return [];
  }
  if (!Array.isArray(json)) {
    problems.push(`${label}: must be a JSON array of imaging studies`);
    return [];
  }
  const manifests = new Map(
    entries.filter((e) => e.mimeType === 'application/dicom').map((e) => [e.uniqueId, e]),
  );
  const studies: ImagingStudy[] = [];
  for (const [i, raw] of json.entries()) {
    const where = `${label}[${i}]`;
    const found = studyProblems(raw, where);
    problems.push(...found);
    if (found.length > 0) continue;
    const study = raw as ImagingStudy;
    const entry = manifests.get(study.manifestUniqueId);
    if (!entry)
      problems.push(
        `${where}: manifest ${study.manifestUniqueId} is not an application/dicom entry of ${c.name}`,
      );
    else if (!entry.patientId.startsWith(`${study.patientId}^`))
      problems.push(`${where}: patient ${study.patientId} is not the manifest entry's patient`);
    await checkImages(dir, c, study, where, problems);
    studies.push(study);
  }
  return studies;
}

/** The lookup the gateway uses to find an image, by SOP Instance UID. */
export function imageIndex(
  dir: string,
  c: CommunityManifest,
  studies: readonly ImagingStudy[],
  imaging: PackImaging,
): ImageIndex {
  const index: ImageIndex = new Map();
  for (const study of studies)
    for (const se of study.series)
      for (const im of se.instances)
        index.set(im.sopInstanceUid, {
          path: imageFile(dir, c.name, study.studyInstanceUid, im.sopInstanceUid),
          size: im.size,
          sopClassUid: se.sopClassUid,
          transferSyntaxUid: imaging.transferSyntaxUid,
          study: study.studyInstanceUid,
          series: se.seriesInstanceUid,
        });
  return index;
}
