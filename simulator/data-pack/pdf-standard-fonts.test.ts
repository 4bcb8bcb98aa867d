import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { documentWithStandardFonts } from './pdf-standard-fonts.js';

const FONTS = ['Helvetica', 'Helvetica-Bold', 'Times-Italic'] as const;
const at = new Date(Date.UTC(2024, 2, 15, 14, 0));
const options: PDFKit.PDFDocumentOptions = {
  size: 'A4',
  compress: true,
  info: { CreationDate: at, ModDate: at, Title: 'fonts' },
};

/** Write a page that uses every font of FONTS (the first as the default) and return the bytes. */
async function render(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.text('Default font, AVAWAY kerning');
  doc.font('Helvetica-Bold').fontSize(16).text('Bold heading, Ta To', { continued: true });
  doc.font('Helvetica').text(' regular tail that is long enough to wrap onto a second line of the page');
  doc.font('Times-Italic').fontSize(8).text('Italic footnote');
  doc.font('Helvetica-Bold').text('bold again');
  doc.end();
  return done;
}

const afmReads = (spy: { mock: { calls: unknown[][] } }): unknown[] =>
  spy.mock.calls.filter(([file]) => String(file).endsWith('.afm'));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('documentWithStandardFonts', () => {
  it('writes the same bytes as a document that loads its fonts itself', async () => {
    const own = await render(new PDFDocument(options));
    const shared = await render(documentWithStandardFonts(options, FONTS));
    expect(shared.toString('latin1')).toBe(own.toString('latin1'));
    // And again, from the cache, for a second document.
    expect((await render(documentWithStandardFonts(options, FONTS))).equals(own)).toBe(true);
  });

  it('reads no font metrics file once each font has been loaded', async () => {
    await render(documentWithStandardFonts(options, FONTS));
    const read = vi.spyOn(fs, 'readFileSync');
    await render(documentWithStandardFonts(options, FONTS));
    await render(documentWithStandardFonts(options, FONTS));
    expect(afmReads(read)).toEqual([]);
    // The spy sees pdfkit's reads: a plain document reads the AFM file of each font it uses.
    await render(new PDFDocument(options));
    expect(afmReads(read).length).toBe(FONTS.length);
  });

  it('names a font that is not one of the 14 standard fonts in its error, as pdfkit does', () => {
    expect(() => documentWithStandardFonts(options, ['Helvetica', 'Comic-Sans'])).toThrow(
      /ENOENT.*Comic-Sans/,
    );
  });
});
