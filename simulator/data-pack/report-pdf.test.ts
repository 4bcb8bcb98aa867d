import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { renderReportPdf, type ReportPdfContent } from './report-pdf.js';
import { pdfText } from './test-support/pdf-text.js';

const content: ReportPdfContent = {
  title: 'CT Head report',
  organisationName: 'North East Imaging Network NHS Trust',
  organisationCode: 'SIM01',
  patientGivenName: 'Ada',
  patientFamilyName: "O'Neill",
  nhsNumber: '9434765919',
  birthDate: '1970-01-02',
  gender: 'female',
  procedure: 'Computed tomography of head',
  modality: 'CT',
  studyMs: Date.UTC(2024, 2, 15, 9, 30),
  accessionNumber: 'SIM0100000001',
  studyInstanceUid: '2.25.143717819127266221728204988935439350416.5.1.1',
  indication: 'Headache with vomiting.',
  findings: 'No intracranial haemorrhage, mass effect or midline shift.',
  impression: 'No acute intracranial abnormality.',
  reportedBy: 'Dr Grace Hopper',
  reportMs: Date.UTC(2024, 2, 15, 14, 0),
};

describe('renderReportPdf', () => {
  it('writes a small, well-formed PDF', async () => {
    const pdf = await renderReportPdf(content);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    expect(pdf.length).toBeGreaterThan(1000);
    expect(pdf.length).toBeLessThan(8 * 1024);
    // startxref must point at the cross-reference table, or viewers fall back to repair.
    const text = pdf.toString('latin1');
    const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
  });

  it('contains the report text (compressed streams, inflated by the test)', async () => {
    const text = pdfText(await renderReportPdf(content));
    for (const s of [
      'CT Head report',
      "O'NEILL, Ada",
      '943 476 5919',
      'Computed tomography of head (CT)',
      'SIM0100000001',
      '2024-03-15 09:30 UTC',
      'No acute intracranial abnormality.',
      'Dr Grace Hopper',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('is byte-identical for the same content and differs when content differs', async () => {
    const a = await renderReportPdf(content);
    const b = await renderReportPdf({ ...content });
    expect(a.equals(b)).toBe(true);
    const c = await renderReportPdf({ ...content, impression: 'Something else.' });
    expect(a.equals(c)).toBe(false);
  });

  it('records the report time, never the wall clock, as CreationDate', async () => {
    const text = (await renderReportPdf(content)).toString('latin1');
    // pdfkit writes CreationDate and ModDate as indirect string objects.
    expect(text).toMatch(/\/CreationDate \d+ 0 R/);
    expect(text.split('(D:20240315140000Z)').length - 1).toBe(2);
  });

  it('parses the font metrics once per process, not once per report', async () => {
    await renderReportPdf(content);
    const read = vi.spyOn(fs, 'readFileSync');
    try {
      const again = await renderReportPdf({ ...content, findings: 'Normal appearances.' });
      expect(pdfText(again)).toContain('Normal appearances.');
      expect(read.mock.calls.filter(([file]) => String(file).endsWith('.afm'))).toEqual([]);
    } finally {
      read.mockRestore();
    }
  });
});
