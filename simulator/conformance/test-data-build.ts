/**
 * The test-data set of a provider run, read from a data pack's community: by default the pack's
 * patient held by every community (`examples.inAllCommunities`) and the community's patient with
 * the most documents (ties: the lower NHS number), each with every Approved DocumentEntry and
 * imaging study the community holds for them; or the patients a run names (`--patient`).
 */
import type { CommunityData, DataPack } from '../data-pack/pack-format.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import type { ConformanceTestData, TestDocument, TestPatient, TestStudy } from './test-data.js';

/** referenceIdList type codes (IHE ITI TF-3 4.2.3.2.28; XDS-I.b RAD TF-3 4.68.4.1.2.3.3). */
const ACCESSION = 'urn:ihe:iti:xds:2013:accession';
const STUDY_UID = 'urn:ihe:iti:xds:2016:studyInstanceUID';
const APPROVED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved';

/**
 * The test data for `communityName` of `pack`.
 * @param patients NHS numbers to use instead of the default pick (each must be known to the pack).
 * @throws SimError BadArgument for an unknown community or patient, naming what exists.
 */
export function buildTestData(
  pack: DataPack,
  communityName: string,
  patients?: readonly string[],
): ConformanceTestData {
  const community = pack.communities.find(
    (c) => c.name === communityName || c.homeCommunityId === communityName,
  );
  if (!community)
    throw new SimError(
      SimErrorCode.BadArgument,
      `no community ${communityName} in the data pack at ${pack.dir}: use one of ${pack.communities.map((c) => c.name).join(', ')}`,
    );
  const chosen = patients && patients.length > 0 ? [...patients] : defaultPatients(pack, community);
  for (const nhs of chosen)
    if (!pack.patients.some((p) => p.nhsNumber === nhs))
      throw new SimError(
        SimErrorCode.BadArgument,
        `--patient ${nhs} is not a patient of the data pack at ${pack.dir}: run \`sim data-pack\` to list them`,
      );
  const unknown = pack.manifest.examples.inNoCommunity;
  if (unknown === undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      `the data pack at ${pack.dir} has no patient held by no community`,
    );
  return {
    source: `data pack ${pack.manifest.seed} (${pack.dir}), community ${community.name}`,
    patients: chosen.map((nhs) => patientOf(community, nhs)),
    unknownPatient: { nhsNumber: unknown, patientCx: nhsNumberToCx(unknown) },
  };
}

function defaultPatients(pack: DataPack, community: CommunityData): string[] {
  const counts = new Map<string, number>();
  for (const e of community.entries) {
    const nhs = e.patientId.slice(0, 10);
    counts.set(nhs, (counts.get(nhs) ?? 0) + 1);
  }
  const most = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const everywhere = pack.manifest.examples.inAllCommunities;
  return [...new Set([everywhere, most].filter((n): n is string => n !== undefined && counts.has(n)))];
}

function patientOf(community: CommunityData, nhs: string): TestPatient {
  const cx = nhsNumberToCx(nhs);
  return {
    nhsNumber: nhs,
    patientCx: cx,
    documents: community.entries
      .filter((e) => e.patientId === cx && e.availabilityStatus === APPROVED)
      .map(documentOf),
    studies: community.imaging.filter((s) => s.patientId === nhs).map((s) => studyOf(community, s)),
  };
}

function documentOf(e: DocumentEntry): TestDocument {
  const ref = (type: string) => e.referenceIdList.find((r) => r.endsWith(`^${type}`))?.split('^')[0];
  const studyInstanceUid = ref(STUDY_UID);
  const accessionNumber = ref(ACCESSION);
  return {
    entryUuid: e.entryUUID,
    uniqueId: e.uniqueId,
    repositoryUniqueId: e.repositoryUniqueId,
    mimeType: e.mimeType,
    size: e.size,
    hash: e.hash.toLowerCase(),
    classCode: e.classCode.code,
    typeCode: e.typeCode.code,
    formatCode: e.formatCode.code,
    creationTime: e.creationTime,
    ...(studyInstanceUid !== undefined ? { studyInstanceUid } : {}),
    ...(accessionNumber !== undefined ? { accessionNumber } : {}),
  };
}

function studyOf(community: CommunityData, s: CommunityData['imaging'][number]): TestStudy {
  const syntaxes = new Set<string>();
  for (const series of s.series)
    for (const i of series.instances) {
      const loc = community.findImage(s.studyInstanceUid, series.seriesInstanceUid, i.sopInstanceUid);
      if (loc) syntaxes.add(loc.transferSyntaxUid);
    }
  return {
    studyInstanceUid: s.studyInstanceUid,
    series: s.series.map((series) => ({
      seriesInstanceUid: series.seriesInstanceUid,
      instances: series.instances.map((i) => ({
        sopInstanceUid: i.sopInstanceUid,
        sopClassUid: series.sopClassUid,
      })),
    })),
    transferSyntaxUids: [...syntaxes].sort(),
  };
}
