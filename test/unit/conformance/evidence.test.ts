/**
 * writeEvidence on a crafted run (crafted-run.ts): the directory's files, the exchanges byte for byte,
 * run.json and the AuditEvents, the zip listed back with fflate, the 250 MB refusal (with a smaller
 * injected limit), and that the same run writes the same bytes, the zip included.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceFiles, writeEvidence } from '../../../simulator/conformance/evidence.js';
import { type ExchangeMetadata, bodyExtension } from '../../../simulator/conformance/evidence-exchanges.js';
import { dosTime, listFiles } from '../../../simulator/conformance/evidence-zip.js';
import { pasteLength } from '../../../simulator/conformance/report-paste.js';
import type { ConformanceRun } from '../../../simulator/conformance/run-model.js';
import { SimError } from '../../../simulator/shared/errors.js';
import { MTOM_BODY, craftedRun, exchanges } from './crafted-run.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'nir-sim-evidence-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Each entry's CRC-32 as the zip's central directory records it (APPNOTE 4.3.12), by name. */
function centralCrcs(zip: Buffer): Map<string, number> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    out.set(name, zip.readUInt32LE(at + 16));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}

const FILES = [
  'audit-events.ndjson',
  'exchanges/ITI38-HOME-01-find-documents.json',
  'exchanges/ITI38-HOME-01-find-documents.request.xml',
  'exchanges/ITI38-HOME-01-find-documents.response.xml',
  'exchanges/ITI38-STATUS-01-find-documents.json',
  'exchanges/ITI38-STATUS-01-find-documents.request.xml',
  'exchanges/ITI39-ONE-01-retrieve.json',
  'exchanges/ITI39-ONE-01-retrieve.request.xml',
  'exchanges/ITI39-ONE-01-retrieve.response.mime',
  'junit.xml',
  'paste.txt',
  'run.json',
  'summary.html',
  'summary.md',
];

describe('writeEvidence', () => {
  it('writes the summary, paste text, JUnit, run.json, every exchange and the AuditEvents, and zips them', async () => {
    const dir = path.join(work, 'bundle');
    const written = await writeEvidence(craftedRun(), dir);
    expect(written.files).toEqual(FILES);
    expect(await listFiles(dir)).toEqual(FILES);
    expect(written.zipPath).toBe(`${dir}.zip`);
    expect(readdirSync(work).sort()).toEqual(['bundle', 'bundle.zip']);

    const paste = readFileSync(path.join(dir, 'paste.txt'), 'utf8');
    expect(pasteLength(paste.trimEnd())).toBeLessThanOrEqual(2000);
    expect(paste.endsWith('Failed checks (1): ITI38-STATUS\n')).toBe(true);
    expect(readFileSync(path.join(dir, 'summary.html'), 'utf8')).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;',
    );
    expect(readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toContain('<testsuite name="ITI-39" tests="2"');
  });

  it('keeps every body byte for byte, named by its content type, with its metadata beside it', async () => {
    const dir = path.join(work, 'bytes');
    await writeEvidence(craftedRun(), dir);
    const x = path.join(dir, 'exchanges');
    expect(readFileSync(path.join(x, 'ITI39-ONE-01-retrieve.response.mime')).equals(MTOM_BODY)).toBe(true);
    expect(
      readFileSync(path.join(x, 'ITI38-HOME-01-find-documents.request.xml')).equals(
        exchanges[0]!.request.body,
      ),
    ).toBe(true);
    expect(
      readFileSync(path.join(x, 'ITI38-HOME-01-find-documents.response.xml')).equals(
        exchanges[0]!.response!.body,
      ),
    ).toBe(true);
    expect(JSON.parse(readFileSync(path.join(x, 'ITI38-STATUS-01-find-documents.json'), 'utf8'))).toEqual({
      name: 'ITI38-STATUS-01-find-documents',
      checkId: 'ITI38-STATUS',
      transaction: 'ITI-38',
      url: 'https://127.0.0.1:9443/iti38',
      startedAt: '2026-12-03T14:00:02.000Z',
      durationMs: 1500,
      request: {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        file: 'exchanges/ITI38-STATUS-01-find-documents.request.xml',
        bodyBytes: exchanges[1]!.request.body.length,
      },
      failure: { kind: 'reset', code: 'ECONNRESET', detail: 'the connection was reset before an answer' },
    });
    const retrieve = JSON.parse(
      readFileSync(path.join(x, 'ITI39-ONE-01-retrieve.json'), 'utf8'),
    ) as ExchangeMetadata;
    expect(retrieve.response).toEqual({
      status: 200,
      headers: exchanges[2]!.response!.headers,
      file: 'exchanges/ITI39-ONE-01-retrieve.response.mime',
      bodyBytes: MTOM_BODY.length,
    });
  });

  it('writes run.json without bodies (they are in exchanges/) and one AuditEvent per line', async () => {
    const dir = path.join(work, 'json');
    const run = craftedRun();
    await writeEvidence(run, dir);
    const json = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as Omit<
      ConformanceRun,
      'exchanges'
    > & {
      exchanges: ExchangeMetadata[];
    };
    expect(json.results).toEqual(run.results);
    expect(json.checks).toEqual(run.checks);
    expect(json.seed).toBe(42);
    expect(json.tool).toEqual({ name: 'nir-sim', version: '0.1.0' });
    expect(json.exchanges.map((m) => [m.name, m.request.file])).toEqual([
      ['ITI38-HOME-01-find-documents', 'exchanges/ITI38-HOME-01-find-documents.request.xml'],
      ['ITI38-STATUS-01-find-documents', 'exchanges/ITI38-STATUS-01-find-documents.request.xml'],
      ['ITI39-ONE-01-retrieve', 'exchanges/ITI39-ONE-01-retrieve.request.xml'],
    ]);
    expect(JSON.stringify(json)).not.toMatch(/"body"|"type":"Buffer"/);
    const lines = readFileSync(path.join(dir, 'audit-events.ndjson'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as object)).toEqual(run.auditEvents);
  });

  it('zips exactly the directory: fflate lists every file back with the same bytes and the run time', async () => {
    const dir = path.join(work, 'zipped');
    const written = await writeEvidence(craftedRun(), dir);
    const zip = readFileSync(written.zipPath);
    expect(zip.length).toBe(written.zipBytes);
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(FILES);
    for (const f of FILES)
      expect(Buffer.from(entries[f]!).equals(readFileSync(path.join(dir, f))), f).toBe(true);
    // Each entry's CRC-32 in the central directory (APPNOTE 4.3.12) is that of the file's bytes.
    expect(centralCrcs(zip)).toEqual(new Map(FILES.map((f) => [f, crc32(readFileSync(path.join(dir, f)))])));
    // The first local file header's MS-DOS time and date (APPNOTE 4.3.7) are the run's finishedAt, UTC.
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    const time = zip.readUInt16LE(10);
    const date = zip.readUInt16LE(12);
    expect([
      1980 + (date >> 9),
      (date >> 5) & 15,
      date & 31,
      time >> 11,
      (time >> 5) & 63,
      (time & 31) * 2,
    ]).toEqual([2026, 12, 3, 14, 0, 4]);
  });

  it('zips an empty file (a run without AuditEvents) as an empty entry', async () => {
    const run = craftedRun();
    run.auditEvents = [];
    const written = await writeEvidence(run, path.join(work, 'no-audit'));
    const entries = unzipSync(readFileSync(written.zipPath));
    expect(entries['audit-events.ndjson']).toEqual(new Uint8Array(0));
    expect(centralCrcs(readFileSync(written.zipPath)).get('audit-events.ndjson')).toBe(0);
  });

  it('writes the same bytes for the same run, the zip included', async () => {
    const a = await writeEvidence(craftedRun(), path.join(work, 'same-a'));
    const b = await writeEvidence(craftedRun(), path.join(work, 'same-b'));
    expect(b.files).toEqual(a.files);
    for (const f of a.files) {
      expect(readFileSync(path.join(a.dir, f)).equals(readFileSync(path.join(b.dir, f))), f).toBe(true);
    }
    expect(readFileSync(a.zipPath).equals(readFileSync(b.zipPath))).toBe(true);
    // The run's time, not the clock's: a different finishedAt changes the zip.
    const later = craftedRun();
    later.finishedAt = '2027-01-01T00:00:00.000Z';
    const c = await writeEvidence(later, path.join(work, 'same-c'));
    expect(readFileSync(c.zipPath).equals(readFileSync(a.zipPath))).toBe(false);
  });

  it('refuses a zip over the upload limit with its size in the message, leaving no zip behind', async () => {
    const dir = path.join(work, 'too-big');
    const err = await writeEvidence(craftedRun(), dir, { maxZipBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe('SIM_ERR_BAD_ARGUMENT');
    expect((err as SimError).message).toMatch(
      new RegExp(
        `^the evidence zip ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.zip would exceed the onboarding portal's upload limit of 0\\.0 MB \\(1000 bytes\\): it had reached \\d+ bytes before the end, from a directory of \\d+ bytes; run fewer patients or checks \\(--patient\\) so that the evidence fits in one upload$`,
      ),
    );
    expect(existsSync(`${dir}.zip`)).toBe(false);
    expect(existsSync(`${dir}.zip.partial`)).toBe(false);
    // The directory itself is written: the supplier can still read it.
    expect(existsSync(path.join(dir, 'summary.html'))).toBe(true);
  });

  it('replaces an earlier bundle in the same directory and refuses a directory holding other files', async () => {
    const dir = path.join(work, 'rerun');
    await writeEvidence(craftedRun(), dir);
    writeFileSync(path.join(dir, 'exchanges', 'stale.json'), '{}');
    const again = await writeEvidence(craftedRun(), dir);
    expect(again.files).toEqual(FILES);

    const foreign = path.join(work, 'foreign');
    await mkdir(foreign);
    writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    await expect(writeEvidence(craftedRun(), foreign)).rejects.toThrow(
      new SimError(
        'SIM_ERR_BAD_ARGUMENT',
        `${foreign} holds a file an evidence bundle does not (notes.txt): choose an empty or new --out directory`,
      ),
    );
    // A bundle's run.json beside other files does not make them the kit's to delete.
    writeFileSync(path.join(foreign, 'run.json'), '{}');
    await expect(writeEvidence(craftedRun(), foreign)).rejects.toThrow(
      /holds a file an evidence bundle does not/,
    );
    expect(readdirSync(foreign).sort()).toEqual(['notes.txt', 'run.json']);
  });

  it('refuses an exchange name that is not a safe file name, or one used twice', () => {
    const run = craftedRun();
    run.exchanges[0] = { ...run.exchanges[0]!, name: '../../etc/passwd' };
    expect(() => evidenceFiles(run)).toThrow(
      'exchange name "../../etc/passwd" is not a safe file name (letters, digits, ".", "_", "-"; at most 200)',
    );
    const twice = craftedRun();
    twice.exchanges[1] = { ...twice.exchanges[1]!, name: twice.exchanges[0]!.name };
    expect(() => evidenceFiles(twice)).toThrow(
      'exchange name ITI38-HOME-01-find-documents is used twice in the run',
    );
  });
});

describe('bodyExtension', () => {
  it('names a body by its media type', () => {
    expect(
      [
        'application/soap+xml; charset=utf-8',
        'text/xml',
        'Multipart/Related; boundary=x',
        'application/fhir+json',
        'application/json',
        'application/dicom',
        'application/pdf',
        'text/plain',
        'application/octet-stream',
        undefined,
      ].map(bodyExtension),
    ).toEqual(['xml', 'xml', 'mime', 'json', 'json', 'dcm', 'pdf', 'txt', 'bin', 'bin']);
  });
});

describe('dosTime', () => {
  it("gives local fields equal to the run's UTC time, and 1980 outside what MS-DOS time holds", () => {
    const d = dosTime('2026-12-03T14:00:05.000Z');
    expect([
      d.getFullYear(),
      d.getMonth(),
      d.getDate(),
      d.getHours(),
      d.getMinutes(),
      d.getSeconds(),
    ]).toEqual([2026, 11, 3, 14, 0, 5]);
    expect(dosTime('not a date').getFullYear()).toBe(1980);
    expect(dosTime('1970-01-01T00:00:00Z').getFullYear()).toBe(1980);
  });
});
