/**
 * pdfkit documents whose standard fonts (PDF 1.7, ISO 32000-1 section 9.6.2.2: the 14 standard
 * Type 1 fonts, never embedded) share metrics parsed once per process. pdfkit 0.17 reads and
 * parses a standard font's AFM metrics file (Helvetica.afm: 2 600 kerning pairs) each time a
 * document first selects that font, and once more for the default font every document opens: about
 * 2.5 ms of CPU per font per document, most of the time a data pack of a few thousand report
 * PDFs took to generate.
 *
 * pdfkit has no public way to hand a document an already loaded font, so this module relies on
 * two of its internals, checked by report-pdf.test.ts (output byte-identical to pdfkit's own
 * path, no AFM file read for a second document): `doc._fontFamilies` (name -> font object, the
 * cache `doc.font(name)` consults first) and `doc._fontCount` (the counter that names fonts `F1`,
 * `F2`, ... in the order a document first uses them). Each document gets its own font objects (a
 * font holds its document and its PDF object reference), sharing only the parsed metrics, which
 * pdfkit never changes after parsing. When the internals are not as expected, documents fall back
 * to pdfkit's own font loading: slower, never wrong.
 */
import PDFDocument from 'pdfkit';

/** A font object as pdfkit 0.17 keeps it: its own enumerable fields (name, id, document, metrics). */
type PdfkitFont = Record<string, unknown>;

/** The internals of a pdfkit document this module touches. */
interface FontInternals {
  _font?: PdfkitFont | null;
  _fontFamilies?: Record<string, PdfkitFont>;
  _fontCount?: number;
}

/** One fresh, never used font object per standard font name, made by pdfkit itself. */
const templates = new Map<string, PdfkitFont | null>();

/**
 * pdfkit's own font object for standard font `name`, from a document that never writes a page
 * (so the object was never referenced), or null when pdfkit's internals differ from 0.17's.
 */
function template(name: string): PdfkitFont | null {
  let t = templates.get(name);
  if (t !== undefined) return t;
  const probe = new PDFDocument({ autoFirstPage: false, font: name }) as unknown as FontInternals;
  const f = probe._font;
  t = f && f['name'] === name && f['id'] === 'F1' && f['font'] !== undefined ? f : null;
  templates.set(name, t);
  return t;
}

/**
 * A new pdfkit document (as `new PDFDocument(options)`) whose current font is `fonts[0]` at 12
 * points, as pdfkit's default, and which already holds `fonts` (standard font names, e.g.
 * `Helvetica`, `Helvetica-Bold`) with metrics parsed once per process. List the fonts in the order
 * the document first uses them: pdfkit names fonts `F1`, `F2`, ... in that order, so the output is
 * byte-identical to a document that loaded them itself.
 * @param options pdfkit document options; `font` is ignored (fonts[0] is the default font).
 * @param fonts one or more of the 14 standard font names, in the order of first use.
 * @throws Error from pdfkit for a name that is not a standard font.
 */
export function documentWithStandardFonts(
  options: PDFKit.PDFDocumentOptions,
  fonts: readonly [string, ...string[]],
): PDFKit.PDFDocument {
  const shared = fonts.map(template);
  const own = (): PDFKit.PDFDocument => new PDFDocument({ ...options, font: fonts[0] });
  if (shared.some((t) => t === null)) return own();
  // A null default font: pdfkit opens none (initFonts), the shared ones are adopted below.
  const doc = new PDFDocument({ ...options, font: null as unknown as string });
  const internals = doc as unknown as FontInternals;
  if (internals._fontFamilies === undefined || internals._fontCount !== 0) return own();
  shared.forEach((t, i) => {
    const font = Object.assign(Object.create(Object.getPrototypeOf(t) as object) as PdfkitFont, t, {
      document: doc,
      id: `F${i + 1}`,
    });
    internals._fontFamilies![fonts[i]!] = font;
  });
  internals._fontCount = fonts.length;
  // As pdfkit's own initFonts: the default font, family null, 12 points.
  return doc.font(fonts[0], null as unknown as string, 12);
}
