import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePatientsCsv } from './csv.js';
import { DEFAULT_PACK, generateDataPack, type GenerateSummary } from './generator.js';
import { documentFile, type PackManifest } from './pack-format.js';
import { isPostcodeShaped } from './postcode.js';
import { NIR_SIM_UID_ROOT } from './uids.js';
import { fixedClock } from '../shared/clock.js';
import { isHomeCommunityId, isOid } from '../shared/ids.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { isNhsTestRangeNumber, isValidNhsNumber } from '../xca/nhs-number.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { diffTrees, listFiles, tempDir } from './test-support/pack-fixtures.js';
import { pdfText } from './test-support/pdf-text.js';

const opts = { seed: 7, communities: 3, patients: 12 } as const;
const cleanups: Array<() => Promise<void>> = [];
let dir: string;
let summary: GenerateSummary;
let entries: Map<string, DocumentEntry[]>;

async function generateInto(
  o: Omit<Parameters<typeof generateDataPack>[0], 'outDir'>,
): Promise<{ dir: string; summary: GenerateSummary }> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return { dir: t.dir, summary: await generateDataPack({ ...o, outDir: t.dir }) };
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

beforeAll(async () => {
  ({ dir, summary } = await generateInto(opts));
  entries = new Map();
  for (const c of summary.manifest.communities) {
    entries.set(c.name, await readJson<DocumentEntry[]>(join(dir, 'communities', c.name, 'entries.json')));
  }
});
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('generateDataPack determinism', () => {
  it('writes byte-identical files for the same seed', async () => {
    const again = await generateInto(opts);
    expect(await listFiles(again.dir)).toEqual(await listFiles(dir));
    expect(await diffTrees(dir, again.dir)).toEqual([]);
  });

  it('writes different data for another seed', async () => {
    const other = await generateInto({ ...opts, seed: 8 });
    expect((await diffTrees(dir, other.dir)).length).toBeGreaterThan(0);
  });

  it('derives dates from the clock, not the wall clock', async () => {
    const later = await generateInto({ ...opts, clock: fixedClock(Date.UTC(2030, 5, 1)) });
    const m = await readJson<PackManifest>(join(later.dir, 'pack.json'));
    expect(m.referenceTime).toBe('2030-06-01T00:00:00.000Z');
    const first = (
      await readJson<DocumentEntry[]>(join(later.dir, 'communities', m.communities[0]!.name, 'entries.json'))
    )[0]!;
    expect(first.creationTime < '20300601').toBe(true);
    expect(first.serviceStartTime! >= '2025').toBe(true);
  });

  it('replaces an earlier pack in the same directory exactly', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    await generateDataPack({ ...opts, communities: 4, patients: 20, outDir: t.dir });
    await generateDataPack({ ...opts, outDir: t.dir });
    expect(await diffTrees(dir, t.dir)).toEqual([]);
  });

  it('rejects out-of-range options with SIM_ERR_BAD_ARGUMENT', async () => {
    for (const bad of [
      { seed: -1 },
      { seed: 1.5 },
      { communities: 0 },
      { communities: 201 },
      { patients: -1 },
      { uidRoot: 'x.y' },
    ]) {
      await expect(
        generateDataPack({ ...opts, outDir: '/nonexistent/never-written', ...bad }),
      ).rejects.toMatchObject({
        code: 'SIM_ERR_BAD_ARGUMENT',
      });
    }
  });
});

describe('generated patients', () => {
  it('uses unique, Modulus-11-valid NHS numbers from the 999 test range only', async () => {
    const { rows, problems } = parsePatientsCsv(await readFile(join(dir, 'patients.csv'), 'utf8'));
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(opts.patients);
    for (const r of rows) {
      expect(isValidNhsNumber(r.nhsNumber), r.nhsNumber).toBe(true);
      expect(isNhsTestRangeNumber(r.nhsNumber), r.nhsNumber).toBe(true);
    }
    expect(new Set(rows.map((r) => r.nhsNumber)).size).toBe(rows.length);
  });

  it('gives en_GB demographics: names, past birth dates, gender words, well-formed postcodes', async () => {
    const { rows } = parsePatientsCsv(await readFile(join(dir, 'patients.csv'), 'utf8'));
    for (const r of rows) {
      expect(r.givenName.length).toBeGreaterThan(0);
      expect(r.familyName.length).toBeGreaterThan(0);
      expect(r.birthDate < '2025-01-01').toBe(true);
      expect(['male', 'female', 'other']).toContain(r.gender);
      expect(isPostcodeShaped(r.postcode), r.postcode).toBe(true);
    }
  });

  it('has patients in every community, in exactly one, and in none, and counts them in pack.json', async () => {
    const { rows } = parsePatientsCsv(await readFile(join(dir, 'patients.csv'), 'utf8'));
    const spread = summary.manifest.counts.spread;
    expect(spread.inAllCommunities).toBeGreaterThan(0);
    expect(spread.inExactlyOneCommunity).toBeGreaterThan(0);
    expect(spread.inNoCommunity).toBeGreaterThan(0);
    expect(
      spread.inAllCommunities +
        spread.inExactlyOneCommunity +
        spread.inSomeCommunities +
        spread.inNoCommunity,
    ).toBe(rows.length);
    const byNhs = new Map(rows.map((r) => [r.nhsNumber, r]));
    const ex = summary.manifest.examples;
    expect(byNhs.get(ex.inAllCommunities!)?.homeCommunityIds).toHaveLength(opts.communities);
    expect(byNhs.get(ex.inExactlyOneCommunity!)?.homeCommunityIds).toHaveLength(1);
    expect(byNhs.get(ex.inNoCommunity!)?.homeCommunityIds).toEqual([]);
  });

  it('gives 2-4 studies per patient per community that knows the patient, and none elsewhere', async () => {
    const { rows } = parsePatientsCsv(await readFile(join(dir, 'patients.csv'), 'utf8'));
    for (const c of summary.manifest.communities) {
      const list = entries.get(c.name)!;
      for (const r of rows) {
        const n = list.filter((e) => e.patientId === nhsNumberToCx(r.nhsNumber)).length;
        if (r.homeCommunityIds.includes(c.homeCommunityId)) expect(n).toBeGreaterThanOrEqual(2);
        if (r.homeCommunityIds.includes(c.homeCommunityId)) expect(n).toBeLessThanOrEqual(4);
        else expect(n).toBe(0);
      }
    }
  });
});

describe('generated communities and entries', () => {
  it('derives every OID from the project root', () => {
    for (const [i, c] of summary.manifest.communities.entries()) {
      expect(isHomeCommunityId(c.homeCommunityId)).toBe(true);
      expect(c.homeCommunityId).toBe(`urn:oid:${NIR_SIM_UID_ROOT}.1.${i + 1}`);
      expect(c.repositoryUniqueId).toBe(`${NIR_SIM_UID_ROOT}.2.${i + 1}`);
      expect(c.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(c.organisationCode).toMatch(/^SIM\d{2,3}$/);
    }
    expect(summary.manifest.communities.map((c) => c.unknownPatientPolicy)).toEqual([
      'empty-success',
      'XDSUnknownPatientId',
      'empty-success',
    ]);
  });

  it('fills every DocumentEntry field the brief requires', () => {
    const all = [...entries.values()].flat();
    expect(all.length).toBe(summary.manifest.counts.documents);
    for (const e of all) {
      expect(e.entryUUID).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(e.logicalID).toBe(e.entryUUID);
      expect(isOid(e.uniqueId) && e.uniqueId.startsWith(`${NIR_SIM_UID_ROOT}.4.`)).toBe(true);
      expect(e.objectType).toBe('urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1');
      expect(e.availabilityStatus).toBe('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved');
      expect(e.patientId).toMatch(/^999\d{7}\^\^\^&2\.16\.840\.1\.113883\.2\.1\.4\.1&ISO$/);
      expect(e.sourcePatientId).toBe(e.patientId);
      expect(e.sourcePatientInfo.map((l) => l.split('|')[0])).toEqual([
        'PID-3',
        'PID-5',
        'PID-7',
        'PID-8',
        'PID-11',
      ]);
      expect(e.sourcePatientInfo[0]).toBe(`PID-3|${e.patientId}`);
      expect(e.sourcePatientInfo[3]).toMatch(/^PID-8\|[MFU]$/);
      expect(e.classCode).toEqual({
        code: '4201000179104',
        codingScheme: '2.16.840.1.113883.6.96',
        displayName: 'Imaging report',
      });
      expect(e.typeCode.codingScheme).toBe('2.16.840.1.113883.6.96');
      expect(e.formatCode).toMatchObject({
        code: 'urn:ihe:rad:PDF',
        codingScheme: '1.3.6.1.4.1.19376.1.2.3',
      });
      expect(e.practiceSettingCode.code).toBe('394914008');
      expect(e.healthcareFacilityTypeCode.code).toBe('22232009');
      expect(e.confidentialityCode).toEqual([
        { code: 'N', codingScheme: '2.16.840.1.113883.5.25', displayName: 'normal' },
      ]);
      expect(e.eventCodeList).toHaveLength(1);
      expect(['CT', 'MR', 'US', 'CR', 'DX', 'NM', 'MG']).toContain(e.eventCodeList[0]!.code);
      expect(e.eventCodeList[0]!.codingScheme).toBe('1.2.840.10008.2.16.4');
      expect(e.title).toBe(`${e.eventCodeList[0]!.code} ${e.title.split(' ').slice(1).join(' ')}`);
      expect(e.title).toMatch(/ report$/);
      for (const t of [e.creationTime, e.serviceStartTime!, e.serviceStopTime!])
        expect(t).toMatch(/^\d{14}$/);
      expect(e.serviceStartTime! <= e.serviceStopTime!).toBe(true);
      expect(e.serviceStopTime! < e.creationTime).toBe(true);
      expect(e.languageCode).toBe('en-GB');
      expect(e.mimeType).toBe('application/pdf');
      expect(e.author[0]!.authorPerson).toMatch(/^\d+\^[^^]+\^[^^]+\^\^\^Dr\^\^\^&[\d.]+&ISO$/);
      expect(e.author[0]!.authorInstitution[0]).toMatch(/^.+\^{9}SIM\d{2,3}$/);
      expect(e.referenceIdList[0]).toMatch(
        /^SIM\d{2,3}\d{8}\^\^\^&[\d.]+&ISO\^urn:ihe:iti:xds:2013:accession$/,
      );
      expect(e.referenceIdList[1]).toMatch(
        new RegExp(
          `^${NIR_SIM_UID_ROOT.replace(/\./g, '\\.')}\\.5\\.\\d+\\.\\d+\\^\\^\\^\\^urn:ihe:iti:xds:2016:studyInstanceUID$`,
        ),
      );
      expect(e.version).toBe('1');
      expect(e.comments).toBeTruthy();
    }
  });

  it('gives each entry its own community ids and unique ids', () => {
    const all = [...entries.values()].flat();
    expect(new Set(all.map((e) => e.entryUUID)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.uniqueId)).size).toBe(all.length);
    for (const c of summary.manifest.communities) {
      for (const e of entries.get(c.name)!) {
        expect(e.homeCommunityId).toBe(c.homeCommunityId);
        expect(e.repositoryUniqueId).toBe(c.repositoryUniqueId);
      }
    }
  });

  it("records each PDF's real size (bytes) and SHA-1, and the PDF shows the report", async () => {
    for (const c of summary.manifest.communities) {
      for (const e of entries.get(c.name)!) {
        const pdf = await readFile(documentFile(dir, c.name, e.uniqueId));
        expect(e.size).toBe(pdf.length);
        expect(e.hash).toBe(createHash('sha1').update(pdf).digest('hex'));
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
        const text = pdfText(pdf);
        expect(text).toContain(e.title);
        const nhs = e.patientId.slice(0, 10);
        expect(text).toContain(`${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`);
        expect(text).toContain(e.referenceIdList[0]!.split('^')[0]);
      }
    }
  });
});

describe('the committed default pack', () => {
  it('is what the generator writes today for seed 42, 3 communities, 30 patients, tiny imaging studies', async () => {
    const fresh = await generateInto(DEFAULT_PACK);
    const committed = join(import.meta.dirname, '../../data-packs/default');
    expect(await diffTrees(committed, fresh.dir)).toEqual([]);
  });

  it('stays under 2 MB with its DICOM images and KOS manifests', async () => {
    const committed = join(import.meta.dirname, '../../data-packs/default');
    let bytes = 0;
    for (const f of await listFiles(committed)) bytes += (await readFile(join(committed, f))).length;
    expect(bytes).toBeLessThan(1.9 * 1024 * 1024);
  });
});
