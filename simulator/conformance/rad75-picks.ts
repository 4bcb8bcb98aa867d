/**
 * Which test studies each RAD-75 check retrieves, and the RetrieveImagingDocumentSetRequest for
 * them (RAD TF-3 4.75.4.1.2). The first test patient's first study serves the one-study, Part 10,
 * unknown-UID and transfer-syntax checks; the test patient with the most studies serves the
 * several-studies and study-membership checks (so the self-test can aim a fault at one check by
 * its patient). The RepositoryUniqueId of a study is that of its imaging DocumentEntry (the KOS
 * manifest's Retrieve Location UID, RAD TF-3 4.68.4.1.2.3, is the same in an XDS-I.b community).
 */
import {
  encodeRetrieveImagingDocumentSetRequest,
  type ImagingStudyRequest,
} from '../xca/retrieve-imaging-document-set.js';
import type { ConformanceTestData, TestPatient, TestStudy } from './test-data.js';

/** Most studies one check asks for in one request. */
export const MAX_RETRIEVE_STUDIES = 10;

/** Explicit and Implicit VR Little Endian (DICOM PS3.5 §10.1, A.2): every DICOM system reads them. */
const BASELINE_SYNTAXES = ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2'];

/**
 * A transfer syntax no imaging gateway encodes a still image in: MPEG2 Main Profile / Main Level
 * (DICOM PS3.5 §8.2.5, Annex A.4.4), for video.
 */
export const UNSUPPORTED_TRANSFER_SYNTAX = '1.2.840.10008.1.2.4.100';

/** A study with the patient it belongs to and its repository. */
export interface PickedStudy {
  patient: TestPatient;
  study: TestStudy;
  repositoryUniqueId: string;
}

function picked(patient: TestPatient, study: TestStudy): PickedStudy | undefined {
  const docs = patient.documents.filter((d) => d.studyInstanceUid === study.studyInstanceUid);
  const repo =
    docs.find((d) => d.mimeType === 'application/dicom')?.repositoryUniqueId ??
    docs[0]?.repositoryUniqueId ??
    patient.documents[0]?.repositoryUniqueId;
  return repo === undefined ? undefined : { patient, study, repositoryUniqueId: repo };
}

/** The first test patient's first study with an image. */
export function firstStudy(td: ConformanceTestData): PickedStudy | undefined {
  for (const p of td.patients)
    for (const s of p.studies) if (s.series.some((se) => se.instances.length > 0)) return picked(p, s);
  return undefined;
}

/**
 * Studies for a request of several: those of the test patient with the most (the last one on a
 * tie), else every test study; undefined when fewer than 2.
 */
export function severalStudies(td: ConformanceTestData): PickedStudy[] | undefined {
  let best: TestPatient | undefined;
  for (const p of td.patients) if (p.studies.length >= (best?.studies.length ?? 1)) best = p;
  const pairs: [TestPatient, TestStudy][] =
    best && best.studies.length >= 2
      ? best.studies.map((s) => [best, s])
      : td.patients.flatMap((p) => p.studies.map((s): [TestPatient, TestStudy] => [p, s]));
  const out = pairs.flatMap(([p, s]) => picked(p, s) ?? []).slice(0, MAX_RETRIEVE_STUDIES);
  return out.length >= 2 ? out : undefined;
}

/** Every image of `studies` as StudyRequests, with the target's homeCommunityId. */
export function studyRequests(studies: readonly PickedStudy[], home: string): ImagingStudyRequest[] {
  return studies.map(({ study, repositoryUniqueId }) => ({
    studyInstanceUid: study.studyInstanceUid,
    series: study.series
      .filter((se) => se.instances.length > 0)
      .map((se) => ({
        seriesInstanceUid: se.seriesInstanceUid,
        documents: se.instances.map((i) => ({
          homeCommunityId: home,
          repositoryUniqueId,
          documentUniqueId: i.sopInstanceUid,
        })),
      })),
  }));
}

/** The stored transfer syntaxes of `studies`, then Explicit and Implicit VR Little Endian. */
export function acceptedSyntaxes(studies: readonly PickedStudy[]): string[] {
  return [...new Set([...studies.flatMap((s) => s.study.transferSyntaxUids), ...BASELINE_SYNTAXES])];
}

/** A RetrieveImagingDocumentSetRequest body. */
export function imagingBody(studies: ImagingStudyRequest[], transferSyntaxUids: string[]): string {
  return encodeRetrieveImagingDocumentSetRequest({ studies, transferSyntaxUids });
}

/** One requested image: where it was asked for and its SOP Class. */
export interface RequestedImage {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
}

/** Every image of `studies`, by SOP Instance UID. */
export function requestedImages(studies: readonly PickedStudy[]): Map<string, RequestedImage> {
  const out = new Map<string, RequestedImage>();
  for (const { study } of studies)
    for (const se of study.series)
      for (const i of se.instances)
        out.set(i.sopInstanceUid, {
          studyInstanceUid: study.studyInstanceUid,
          seriesInstanceUid: se.seriesInstanceUid,
          sopInstanceUid: i.sopInstanceUid,
          sopClassUid: i.sopClassUid,
        });
  return out;
}
