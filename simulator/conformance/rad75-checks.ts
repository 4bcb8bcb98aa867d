/**
 * The RAD-75 Cross Gateway Retrieve Imaging Document Set provider checks (IHE RAD TF-3 4.75, which
 * answers as RAD-69 4.69 does; XCA-I, RAD TF-1 29; docs/conformance.md lists each with its source):
 * NIR retrieves the test studies' images and checks the answer, that every part is a valid DICOM
 * Part 10 file (PS3.10) of the requested study, series and instance, and that unknown UIDs and a
 * transfer syntax the gateway cannot encode in are refused with the RegistryError RAD TF names,
 * located at the gateway's homeCommunityId (RAD75-004). Without a RAD-75 URL (`--rad75`) every
 * check is skipped.
 */
import { ErrorCode } from '../xca/constants.js';
import { result, type CheckDefinition, type CheckResult } from './check.js';
import {
  check,
  completeProblem,
  listed,
  refusalProblem,
  resolvedDocuments,
  sendRetrieve,
  verdict,
  type RetrieveExchange,
} from './iti39-exchange.js';
import { unknownOid } from './iti39-picks.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';
import { dcmtkVerdict, metaProblems, readPart10 } from './rad75-dicom.js';
import {
  UNSUPPORTED_TRANSFER_SYNTAX,
  acceptedSyntaxes,
  firstStudy,
  imagingBody,
  requestedImages,
  severalStudies,
  studyRequests,
  type PickedStudy,
} from './rad75-picks.js';

const RAD75 = 'IHE RAD TF-3 4.75';
const DICOM_MIME = 'application/dicom';

/** A RAD-75 check: skipped without `--rad75`, or without test studies. */
function rad75Check(
  definition: Omit<CheckDefinition, 'area'>,
  run: (ctx: ProviderContext & { rad75Url: string }, id: string) => Promise<CheckResult>,
): ProviderCheck {
  return check({ ...definition, area: 'RAD-75' }, async (ctx, id) => {
    const url = ctx.target.rad75Url;
    if (url === undefined)
      return result(
        id,
        'skipped',
        'no RAD-75 endpoint: --rad75 was not given, so the imaging checks did not run',
      );
    return run({ ...ctx, rad75Url: url }, id);
  });
}

const noStudies = (id: string, what: string): CheckResult =>
  result(id, 'skipped', `the test data has ${what}; give --patient with a patient who has imaging studies`);

/** Send one RAD-75 request for every image of `studies`. */
function retrieveStudies(
  ctx: ProviderContext & { rad75Url: string },
  id: string,
  label: string,
  studies: readonly PickedStudy[],
  transferSyntaxUids = acceptedSyntaxes(studies),
): Promise<RetrieveExchange> {
  return sendRetrieve(ctx, {
    checkId: id,
    label,
    transaction: 'RAD-75',
    url: ctx.rad75Url,
    bodyXml: imagingBody(studyRequests(studies, ctx.target.homeCommunityId), transferSyntaxUids),
  });
}

/** {@link completeProblem} plus every DocumentResponse's mimeType application/dicom. */
function allImagesProblem(ex: RetrieveExchange, studies: readonly PickedStudy[]): string | undefined {
  const problem = completeProblem(ex, [...requestedImages(studies).keys()]);
  if (problem !== undefined) return problem;
  const other = ex.response!.documents.filter((d) => d.mimeType !== DICOM_MIME);
  return other.length > 0
    ? `expected mimeType ${DICOM_MIME} for every image; got ${other.map((d) => `${d.mimeType} for ${d.documentUniqueId}`).join(', ')}`
    : undefined;
}

const imageCount = (studies: readonly PickedStudy[]): number => requestedImages(studies).size;

const oneStudy = rad75Check(
  {
    id: 'RAD75-ONE-STUDY',
    title: 'Retrieve the images of one study',
    given: 'every image of the first test study (Study, Series and SOP Instance UIDs from the test data)',
    when: 'NIR retrieves them in one RetrieveImagingDocumentSetRequest, accepting their stored transfer syntax and Explicit/Implicit VR Little Endian',
    then: 'the answer has status Success, no RegistryError and one application/dicom DocumentResponse per requested image',
    source: `${RAD75}.4.1.3, 4.75.4.2; RAD TF-3 4.69.4.1.3, 4.69.4.2`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const study = firstStudy(ctx.testData);
    if (!study) return noStudies(id, 'no imaging study');
    const ex = await retrieveStudies(ctx, id, 'one-study', [study]);
    return verdict(
      id,
      ex,
      allImagesProblem(ex, [study]),
      `all ${imageCount([study])} image(s) of study ${study.study.studyInstanceUid} came back as ${DICOM_MIME}, status Success`,
    );
  },
);

const severalStudiesCheck = rad75Check(
  {
    id: 'RAD75-SEVERAL-STUDIES',
    title: 'Retrieve several studies in one request',
    given: 'every image of the studies of the test patient with the most studies (at most 10 studies)',
    when: 'NIR retrieves them in one request, one StudyRequest per study',
    then: 'the answer has status Success, no RegistryError and one application/dicom DocumentResponse per requested image',
    source: `${RAD75}.4.1.2 (1..n StudyRequest), 4.75.4.1.3; RAD TF-3 4.69.4.1.3`,
    items: ['UAT-01'],
  },
  async (ctx, id) => {
    const studies = severalStudies(ctx.testData);
    if (!studies) return noStudies(id, 'fewer than 2 imaging studies');
    const ex = await retrieveStudies(ctx, id, 'several-studies', studies);
    return verdict(
      id,
      ex,
      allImagesProblem(ex, studies),
      `all ${imageCount(studies)} image(s) of ${studies.length} studies came back as ${DICOM_MIME}, status Success`,
    );
  },
);

const unknownUids = rad75Check(
  {
    id: 'RAD75-UNKNOWN-UIDS',
    title: 'Unknown Study, Series or SOP Instance UIDs',
    given:
      'an unknown SOP Instance UID in a known study and series, and an unknown study, series and instance (UIDs under the 2.999 example arc)',
    when: 'NIR retrieves them',
    then: "the answer has status Failure, no DocumentResponse and one RegistryError XDSDocumentUniqueIdError per image, located at the gateway's homeCommunityId",
    source: `${RAD75}.4.1.3; RAD TF-3 4.69.4.1.3; RAD75-004 (location); NIST XCA-I test 5424b`,
  },
  async (ctx, id) => {
    const study = firstStudy(ctx.testData);
    const series = study?.study.series[0];
    if (!study || !series) return noStudies(id, 'no imaging study');
    const doc = (uid: string) => ({
      homeCommunityId: ctx.target.homeCommunityId,
      repositoryUniqueId: study.repositoryUniqueId,
      documentUniqueId: uid,
    });
    const ex = await sendRetrieve(ctx, {
      checkId: id,
      label: 'unknown-uids',
      transaction: 'RAD-75',
      url: ctx.rad75Url,
      bodyXml: imagingBody(
        [
          {
            studyInstanceUid: study.study.studyInstanceUid,
            series: [
              { seriesInstanceUid: series.seriesInstanceUid, documents: [doc(unknownOid(ctx.seed, 4))] },
            ],
          },
          {
            studyInstanceUid: unknownOid(ctx.seed, 5),
            series: [
              { seriesInstanceUid: unknownOid(ctx.seed, 6), documents: [doc(unknownOid(ctx.seed, 7))] },
            ],
          },
        ],
        acceptedSyntaxes([study]),
      ),
    });
    const home = ctx.target.homeCommunityId;
    return verdict(
      id,
      ex,
      refusalProblem(ex, ErrorCode.XDSDocumentUniqueIdError, home, 2),
      `status Failure with one RegistryError XDSDocumentUniqueIdError per unknown image (2), located at ${home}`,
    );
  },
);

const transferSyntax = rad75Check(
  {
    id: 'RAD75-TRANSFER-SYNTAX',
    title: 'A transfer syntax the gateway cannot encode in',
    given: `every image of the first test study, with ${UNSUPPORTED_TRANSFER_SYNTAX} (MPEG2 Main Profile, for video) as the only TransferSyntaxUID`,
    when: 'NIR retrieves them',
    then: "the answer has status Failure, no DocumentResponse and RegistryErrors XDSRepositoryError (severity Error) located at the gateway's homeCommunityId: no image in a transfer syntax not asked for",
    source: `${RAD75}.4.1.2 (TransferSyntaxUIDList), 4.75.4.1.3; RAD TF-3 4.69.4.1.3; DICOM PS3.5 §10, A.4.4; NIST XCA-I test 5424a`,
  },
  async (ctx, id) => {
    const study = firstStudy(ctx.testData);
    if (!study) return noStudies(id, 'no imaging study');
    const ex = await retrieveStudies(ctx, id, 'transfer-syntax', [study], [UNSUPPORTED_TRANSFER_SYNTAX]);
    const home = ctx.target.homeCommunityId;
    return verdict(
      id,
      ex,
      refusalProblem(ex, ErrorCode.XDSRepositoryError, home),
      `status Failure with ${ex.response?.errors.length ?? 0} RegistryError(s) XDSRepositoryError located at ${home}, no image`,
    );
  },
);

/** The parts of an answer that came back, named after their DocumentUniqueId. */
function parts(ex: RetrieveExchange): { name: string; bytes: Buffer }[] {
  return resolvedDocuments(ex).map((d) => ({ name: d.documentUniqueId, bytes: d.content }));
}

const part10 = rad75Check(
  {
    id: 'RAD75-PART10',
    title: 'Every image is a valid DICOM Part 10 file',
    given: 'every image of the first test study',
    when: 'NIR retrieves them',
    then: 'each part has the 128-byte preamble, "DICM", File Meta Information with a requested Transfer Syntax UID and Media Storage SOP Class/Instance UIDs equal to the dataset\'s, is a requested instance of the test data\'s SOP Class, and (where installed) passes DCMTK dcmftest and dcmdump',
    source: `DICOM PS3.10 §7.1, Table 7.1-1; DICOM PS3.5 §10; ${RAD75}.4.2; RAD TF-3 4.69.4.2.3`,
  },
  async (ctx, id) => {
    const study = firstStudy(ctx.testData);
    if (!study) return noStudies(id, 'no imaging study');
    const accepted = acceptedSyntaxes([study]);
    const ex = await retrieveStudies(ctx, id, 'part10', [study], accepted);
    if (!ex.response) return verdict(id, ex, ex.problem, '');
    const images = requestedImages([study]);
    const got = parts(ex);
    const problems: string[] = [];
    for (const { name, bytes } of got) {
      const read = readPart10(bytes);
      if ('problem' in read) {
        problems.push(`${name}: ${read.problem}`);
        continue;
      }
      const idn = read.identity;
      const own = metaProblems(idn);
      if (!accepted.includes(idn.transferSyntaxUid))
        own.push(`Transfer Syntax UID ${idn.transferSyntaxUid} was not requested (${accepted.join(', ')})`);
      const want = images.get(idn.sopInstanceUid);
      if (!want) own.push(`SOP Instance UID ${idn.sopInstanceUid || '(absent)'} was not requested`);
      else if (idn.sopClassUid !== want.sopClassUid)
        own.push(`SOP Class UID ${idn.sopClassUid || '(absent)'}, expected ${want.sopClassUid}`);
      problems.push(...own.map((p) => `${name}: ${p}`));
    }
    if (got.length === 0)
      problems.push(`no image came back to check (${ex.response.documents.length} DocumentResponse(s))`);
    const dcmtk = problems.length === 0 ? await dcmtkVerdict(got) : undefined;
    if (dcmtk) problems.push(...dcmtk.problems);
    const tools =
      dcmtk?.ran === false
        ? '; DCMTK (dcmftest, dcmdump) is not installed here, so that step was skipped'
        : dcmtk
          ? ' and DCMTK dcmftest and dcmdump'
          : '';
    return verdict(
      id,
      ex,
      problems.length > 0 ? `not valid DICOM Part 10: ${listed(problems)}` : undefined,
      `${got.length} image(s) are valid Part 10 files of the requested instances, checked with dicom-parser${tools}`,
    );
  },
);

const inStudy = rad75Check(
  {
    id: 'RAD75-IN-STUDY',
    title: 'Every image belongs to the requested study, series and instance',
    given: 'every image of the studies of the test patient with the most studies',
    when: 'NIR retrieves them in one request',
    then: "the Study, Series and SOP Instance UIDs inside each returned image are those requested for its DocumentResponse's DocumentUniqueId",
    source: `${RAD75}.4.1.2 (StudyRequest/SeriesRequest/DocumentRequest), 4.75.4.2; DICOM PS3.3 C.7.2.1, C.7.3.1, C.12.1`,
  },
  async (ctx, id) => {
    const studies = severalStudies(ctx.testData) ?? [firstStudy(ctx.testData)].flatMap((s) => s ?? []);
    if (studies.length === 0) return noStudies(id, 'no imaging study');
    const ex = await retrieveStudies(ctx, id, 'in-study', studies);
    if (!ex.response) return verdict(id, ex, ex.problem, '');
    const images = requestedImages(studies);
    const problems: string[] = [];
    let checked = 0;
    for (const { name, bytes } of parts(ex)) {
      const want = images.get(name);
      if (!want) {
        problems.push(`DocumentUniqueId ${name} was not requested`);
        continue;
      }
      const read = readPart10(bytes);
      if ('problem' in read) {
        problems.push(`${name}: cannot read its UIDs (${read.problem})`);
        continue;
      }
      checked += 1;
      const idn = read.identity;
      const diffs: string[] = [];
      if (idn.studyInstanceUid !== want.studyInstanceUid)
        diffs.push(
          `Study Instance UID ${idn.studyInstanceUid || '(absent)'}, requested ${want.studyInstanceUid}`,
        );
      if (idn.seriesInstanceUid !== want.seriesInstanceUid)
        diffs.push(
          `Series Instance UID ${idn.seriesInstanceUid || '(absent)'}, requested ${want.seriesInstanceUid}`,
        );
      if (idn.sopInstanceUid !== want.sopInstanceUid)
        diffs.push(`SOP Instance UID ${idn.sopInstanceUid || '(absent)'}, requested ${want.sopInstanceUid}`);
      if (diffs.length > 0) problems.push(`DocumentResponse ${name}: ${diffs.join(', ')}`);
    }
    if (checked === 0 && problems.length === 0)
      problems.push(`no image came back to check (${ex.response.documents.length} DocumentResponse(s))`);
    return verdict(
      id,
      ex,
      problems.length > 0 ? `images do not match the request: ${listed(problems)}` : undefined,
      `${checked} image(s) of ${studies.length} studies carry the requested Study, Series and SOP Instance UIDs`,
    );
  },
);

/** In the order the report shows them. */
export const rad75Checks: readonly ProviderCheck[] = [
  oneStudy,
  severalStudiesCheck,
  unknownUids,
  transferSyntax,
  part10,
  inStudy,
];
