import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataPack } from './generator.js';
import { loadDataPack } from './loader.js';
import { SimError } from '../shared/errors.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { tempDir } from './test-support/pack-fixtures.js';

let root: string;
let cleanup: () => Promise<void>;
let pristine: string;
let copies = 0;

/** A fresh copy of the generated pack to tamper with. */
async function copyPack(): Promise<string> {
  const dir = join(root, `copy-${++copies}`);
  await cp(pristine, dir, { recursive: true });
  return dir;
}

async function loadError(dir: string): Promise<SimError> {
  const e: unknown = await loadDataPack(dir).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SimError);
  return e as SimError;
}

const problemsOf = (e: SimError): string[] => (e.cause as { problems: string[] }).problems;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  pristine = join(root, 'pristine');
  await generateDataPack({ seed: 3, communities: 2, patients: 6, outDir: pristine });
});
afterAll(async () => cleanup());

describe('loadDataPack', () => {
  it('loads a generated pack', async () => {
    const pack = await loadDataPack(pristine);
    expect(pack.dir).toBe(pristine);
    expect(pack.manifest.schemaVersion).toBe(1);
    expect(pack.patients).toHaveLength(6);
    expect(pack.communities.map((c) => c.name)).toEqual([
      'north-east-imaging-network',
      'north-west-imaging-network',
    ]);
    const c = pack.communities[0]!;
    expect(c.entries.length).toBeGreaterThan(0);
    expect(c.homeCommunityId).toMatch(/^urn:oid:/);
  });

  it('loads the committed default pack', async () => {
    const pack = await loadDataPack(join(import.meta.dirname, '../../data-packs/default'));
    expect(pack.manifest.seed).toBe(42);
    expect(pack.communities).toHaveLength(3);
    expect(pack.patients).toHaveLength(30);
  });

  it('reads documents from disk on demand', async () => {
    const pack = await loadDataPack(pristine);
    const [c0, c1] = [pack.communities[0]!, pack.communities[1]!];
    const e = c0.entries[0]!;
    expect(c0.documentPath(e.uniqueId)).toBe(
      join(pristine, 'communities', c0.name, 'documents', `${e.uniqueId}.pdf`),
    );
    const bytes = await c0.readDocument(e.uniqueId);
    expect(bytes?.length).toBe(e.size);
    expect(c0.documentPath('1.2.3.4')).toBeUndefined();
    expect(await c0.readDocument('1.2.3.4')).toBeUndefined();
    // another community's document is not this community's
    expect(c1.documentPath(e.uniqueId)).toBeUndefined();
  });

  it('reports a missing directory as SIM_ERR_DATA_PACK_MISSING with the command to run', async () => {
    const dir = join(root, 'nope');
    const e = await loadError(dir);
    expect(e.code).toBe('SIM_ERR_DATA_PACK_MISSING');
    expect(e.message).toBe(`${dir} has no data pack: run npm run sim data-pack generate -- --out ${dir}`);
  });

  it('reports a directory without pack.json as SIM_ERR_DATA_PACK_MISSING', async () => {
    const dir = await copyPack();
    await rm(join(dir, 'pack.json'));
    expect((await loadError(dir)).code).toBe('SIM_ERR_DATA_PACK_MISSING');
  });

  it('rejects an unsupported schemaVersion', async () => {
    const dir = await copyPack();
    const m = JSON.parse(await readFile(join(dir, 'pack.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'pack.json'), JSON.stringify({ ...m, schemaVersion: 2 }));
    const e = await loadError(dir);
    expect(e.code).toBe('SIM_ERR_DATA_PACK_INVALID');
    expect(problemsOf(e)).toEqual(['pack.json: schemaVersion 2 is not supported (expected 1)']);
  });

  it('rejects pack.json that is not JSON', async () => {
    const dir = await copyPack();
    await writeFile(join(dir, 'pack.json'), '{ nope');
    const e = await loadError(dir);
    expect(e.code).toBe('SIM_ERR_DATA_PACK_INVALID');
    expect(problemsOf(e)[0]).toMatch(/^pack\.json: not valid JSON/);
  });

  it('lists every manifest problem at once', async () => {
    const dir = await copyPack();
    const m = JSON.parse(await readFile(join(dir, 'pack.json'), 'utf8')) as {
      communities: Array<Record<string, unknown>>;
    };
    m.communities[0]!['homeCommunityId'] = '1.2.3';
    m.communities[0]!['name'] = 'Not Kebab';
    m.communities[1]!['unknownPatientPolicy'] = 'ignore';
    await writeFile(join(dir, 'pack.json'), JSON.stringify(m));
    const problems = problemsOf(await loadError(dir));
    expect(problems).toEqual([
      'pack.json communities[0]: name must be kebab-case (a-z, 0-9, single hyphens)',
      'pack.json communities[0]: homeCommunityId must be urn:oid:<OID> of at most 64 characters',
      'pack.json communities[1]: unknownPatientPolicy must be one of empty-success, XDSUnknownPatientId',
    ]);
  });

  it('lists every problem in patients, entries and documents, in one error', async () => {
    const dir = await copyPack();
    const pack = await loadDataPack(dir);
    const c = pack.communities[0]!;
    const entriesPath = join(dir, 'communities', c.name, 'entries.json');
    const entries = JSON.parse(await readFile(entriesPath, 'utf8')) as DocumentEntry[];
    const [e0, e1, e2] = [entries[0]!, entries[1]!, entries[2]!];
    e2.homeCommunityId = 'urn:oid:9.9.9';
    await writeFile(entriesPath, JSON.stringify(entries));
    await rm(c.documentPath(e0.uniqueId)!);
    await writeFile(
      c.documentPath(e1.uniqueId)!,
      Buffer.concat([(await c.readDocument(e1.uniqueId))!, Buffer.from('x')]).subarray(1),
    );
    const csvPath = join(dir, 'patients.csv');
    const csv = await readFile(csvPath, 'utf8');
    const first = pack.patients[0]!.nhsNumber;
    await writeFile(csvPath, csv.replace(first, `${first.slice(0, 9)}${(Number(first[9]) + 1) % 10}`));

    const e = await loadError(dir);
    expect(e.code).toBe('SIM_ERR_DATA_PACK_INVALID');
    const problems = problemsOf(e);
    const label = `communities/${c.name}/entries.json`;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^patients\.csv line 2: nhs_number \d{10} is not ten digits with a valid Modulus 11 check digit$/,
        ),
        `${label}[0] (${e0.uniqueId}): document documents/${e0.uniqueId}.pdf is missing`,
        expect.stringMatching(
          new RegExp(
            `^${label.replace(/[.]/g, '\\.')}\\[1\\] \\(${e1.uniqueId.replace(/\./g, '\\.')}\\): hash [0-9a-f]{40} does not match`,
          ),
        ),
        `${label}[2]: homeCommunityId urn:oid:9.9.9 is not the community's ${c.homeCommunityId}`,
      ]),
    );
    expect(problems.some((p) => p.includes('size') && p.includes(`[1]`))).toBe(false); // same length, different bytes
    expect(e.message).toContain(`${problems.length} problems`);
    for (const p of problems) expect(e.message).toContain(p);
  });

  it('reports a size mismatch and a missing entries.json', async () => {
    const dir = await copyPack();
    const pack = await loadDataPack(dir);
    const [c0, c1] = [pack.communities[0]!, pack.communities[1]!];
    const entriesPath = join(dir, 'communities', c0.name, 'entries.json');
    const entries = JSON.parse(await readFile(entriesPath, 'utf8')) as DocumentEntry[];
    entries[0]!.size += 10;
    await writeFile(entriesPath, JSON.stringify(entries));
    await rm(join(dir, 'communities', c1.name, 'entries.json'));
    const problems = problemsOf(await loadError(dir));
    expect(problems).toContain(
      `communities/${c0.name}/entries.json[0] (${entries[0]!.uniqueId}): size ${entries[0]!.size} does not match the document (${entries[0]!.size - 10} bytes)`,
    );
    expect(problems).toContain(`communities/${c1.name}/entries.json: file is missing`);
  });

  it('reports entries with missing fields and bad patient ids', async () => {
    const dir = await copyPack();
    const name = (await loadDataPack(dir)).communities[0]!.name;
    const entriesPath = join(dir, 'communities', name, 'entries.json');
    const entries = JSON.parse(await readFile(entriesPath, 'utf8')) as Array<Record<string, unknown>>;
    delete entries[0]!['classCode'];
    entries[0]!['patientId'] = '9999999991^^^&2.16.840.1.113883.2.1.4.1&ISO';
    entries[0]!['uniqueId'] = '../../escape';
    await writeFile(entriesPath, JSON.stringify(entries));
    const problems = problemsOf(await loadError(dir));
    const where = `communities/${name}/entries.json[0]`;
    expect(problems).toEqual(
      expect.arrayContaining([
        `${where}: uniqueId must be an OID`,
        `${where}: patientId must be <valid NHS number>^^^&2.16.840.1.113883.2.1.4.1&ISO (bad-check-digit)`,
        `${where}: classCode must be {code, codingScheme, displayName}`,
      ]),
    );
  });
});
