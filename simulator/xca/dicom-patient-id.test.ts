/**
 * Reading Patient ID (0010,0020) and Issuer of Patient ID (0010,0021) from the start of a DICOM
 * part (DICOM PS3.10 file meta + dataset), as the broker does for the RAD-75 audit: images of the
 * default data pack in Explicit and Implicit VR Little Endian, prefixes cut before and after the
 * patient, bytes that are not DICOM, a patient past the 64 KiB bound, and the tap that reads it
 * while passing every byte on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPatientTap } from '../broker/part-patient.js';
import { loadDataPack } from '../data-pack/loader.js';
import { imageFile } from '../data-pack/pack-format.js';
import { transcodePart10, writePart10 } from '../data-pack/dicom/part10.js';
import { NHS_NUMBER_OID } from './constants.js';
import { DICOM_PATIENT_PREFIX_BYTES, readDicomPatientId, type DicomPatientId } from './dicom-patient-id.js';

const DEFAULT_DIR = join(import.meta.dirname, '../../data-packs/default');
const IMPLICIT = '1.2.840.10008.1.2';

let explicit: Buffer;
let implicit: Buffer;
let nhs: string;
beforeAll(async () => {
  const pack = await loadDataPack(DEFAULT_DIR);
  const c = pack.communities.find((x) => x.imaging.length > 0)!;
  const study = c.imaging[0]!;
  nhs = study.patientId;
  const sop = study.series[0]!.instances[0]!.sopInstanceUid;
  explicit = await readFile(imageFile(pack.dir, c.name, study.studyInstanceUid, sop));
  implicit = transcodePart10(explicit, IMPLICIT);
});

/** Where the Patient ID value ends in `file` (its tag, then `nhs` as the value). */
function patientIdEnd(file: Buffer, value: string): number {
  const tag = Buffer.from([0x10, 0x00, 0x20, 0x00]);
  const at = file.indexOf(tag, 132);
  const v = file.indexOf(value, at);
  expect(at).toBeGreaterThan(132);
  expect(v).toBeGreaterThan(at);
  return v + value.length;
}

describe('readDicomPatientId', () => {
  it('reads the Patient ID and its issuer from a pack image in Explicit VR Little Endian', () => {
    expect(explicit.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(readDicomPatientId(explicit)).toEqual({ patientId: nhs, issuerOfPatientId: NHS_NUMBER_OID });
  });

  it('reads the same image in Implicit VR Little Endian', () => {
    expect(implicit.equals(explicit)).toBe(false);
    expect(readDicomPatientId(implicit)).toEqual({ patientId: nhs, issuerOfPatientId: NHS_NUMBER_OID });
  });

  it('reads a prefix cut just after the Patient ID, and not one cut inside it', () => {
    for (const file of [explicit, implicit]) {
      const end = patientIdEnd(file, nhs);
      // The issuer is not whole yet: only the Patient ID.
      expect(readDicomPatientId(file.subarray(0, end + 1))).toEqual({ patientId: nhs });
      expect(readDicomPatientId(file.subarray(0, end - 1))).toBeUndefined();
      expect(readDicomPatientId(file.subarray(0, 200))).toBeUndefined();
    }
  });

  it('gives nothing for bytes that are not a Part 10 file', () => {
    expect(readDicomPatientId(Buffer.from('image 1 '.repeat(5000)))).toBeUndefined();
    expect(readDicomPatientId(Buffer.alloc(0))).toBeUndefined();
    const noMeta = Buffer.concat([
      Buffer.alloc(128),
      Buffer.from('DICM'),
      Buffer.from('garbage'.repeat(100)),
    ]);
    expect(readDicomPatientId(noMeta)).toBeUndefined();
  });

  it('refuses a Deflated dataset rather than inflating it', () => {
    // Rewrite the meta's Transfer Syntax UID (0002,0010) value (UI, Explicit VR: 2-byte length).
    const ts = explicit.indexOf('1.2.840.10008.1.2.1\0', 132);
    expect(ts).toBeGreaterThan(132);
    const uid = Buffer.from('1.2.840.10008.1.2.1.99');
    const deflated = Buffer.concat([
      explicit.subarray(0, ts - 2),
      Buffer.from([uid.length, 0]),
      uid,
      explicit.subarray(ts + 20),
    ]);
    expect(readDicomPatientId(deflated)).toBeUndefined();
  });

  it('gives up on a Patient ID beyond the first 64 KiB', () => {
    const file = writePart10({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
      SOPInstanceUID: '1.2.826.0.1.999.7.1',
      InstitutionAddress: 'x'.repeat(DICOM_PATIENT_PREFIX_BYTES),
      PatientID: '9995649284',
    });
    expect(file.length).toBeGreaterThan(DICOM_PATIENT_PREFIX_BYTES);
    expect(readDicomPatientId(file)).toBeUndefined();
    const near = writePart10({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
      SOPInstanceUID: '1.2.826.0.1.999.7.1',
      InstitutionAddress: 'x'.repeat(1000),
      PatientID: '9995649284',
    });
    expect(readDicomPatientId(near)).toEqual({ patientId: '9995649284' });
  });
});

describe('withPatientTap', () => {
  /** Pipe `chunks` through the tap; the bytes out and the patient it reported (once). */
  async function tap(chunks: Buffer[]): Promise<{ out: Buffer; seen: (DicomPatientId | undefined)[] }> {
    const seen: (DicomPatientId | undefined)[] = [];
    const out: Buffer[] = [];
    for await (const c of withPatientTap(Readable.from(chunks), (p) => seen.push(p))) out.push(c as Buffer);
    return { out: Buffer.concat(out), seen };
  }

  it('passes every byte of a part on unchanged and reports its patient once', async () => {
    const chunks = [];
    for (let i = 0; i < implicit.length; i += 1000) chunks.push(implicit.subarray(i, i + 1000));
    const r = await tap(chunks);
    expect(r.out.equals(implicit)).toBe(true);
    expect(r.seen).toEqual([{ patientId: nhs, issuerOfPatientId: NHS_NUMBER_OID }]);
  });

  it('passes a part that is not DICOM, larger than the prefix, and reports no patient', async () => {
    const bytes = Buffer.from('not dicom '.repeat(20_000));
    const r = await tap([bytes.subarray(0, 70_000), bytes.subarray(70_000)]);
    expect(r.out.equals(bytes)).toBe(true);
    expect(r.seen).toEqual([undefined]);
  });

  it('reads each part from its own bytes when prefixes spanning chunks follow one another', async () => {
    const inChunks = (b: Buffer, size: number): Buffer[] => {
      const chunks = [];
      for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size));
      return chunks;
    };
    const cut = implicit.subarray(0, patientIdEnd(implicit, nhs) - 1);
    const whole = await tap(inChunks(implicit, 1000));
    const cutOff = await tap(inChunks(cut, 700));
    const again = await tap(inChunks(explicit, 3000));
    expect(whole.seen).toEqual([{ patientId: nhs, issuerOfPatientId: NHS_NUMBER_OID }]);
    expect(cutOff.out.equals(cut)).toBe(true);
    expect(cutOff.seen).toEqual([undefined]);
    expect(again.seen).toEqual([{ patientId: nhs, issuerOfPatientId: NHS_NUMBER_OID }]);
  });

  it('reports once, with what arrived, for a part destroyed before its end', async () => {
    const seen: (DicomPatientId | undefined)[] = [];
    const source = new Readable({ read() {} });
    source.push(explicit.subarray(0, patientIdEnd(explicit, nhs) + 1));
    const tapped = withPatientTap(source, (p) => seen.push(p));
    const first = await new Promise<Buffer>((resolve) => tapped.once('data', resolve));
    expect(first.length).toBeGreaterThan(0);
    tapped.destroy();
    await new Promise((r) => tapped.once('close', r));
    expect(seen).toEqual([{ patientId: nhs }]);
  });
});
