/**
 * patients.csv: RFC 4180 CSV (comma separated, CRLF record separator, fields containing a comma,
 * quote, CR or LF enclosed in double quotes with inner quotes doubled) with a fixed header.
 * `home_community_ids` holds `;`-separated `urn:oid:` values.
 */
import { GENDERS, type Gender, type PatientRow } from './pack-format.js';

/** The exact header line of patients.csv. */
export const PATIENTS_CSV_HEADER = [
  'nhs_number',
  'given_name',
  'family_name',
  'birth_date',
  'gender',
  'postcode',
  'home_community_ids',
  'document_count',
] as const;

/** One field, quoted only when RFC 4180 requires it. */
export function formatCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One record (no trailing line break). */
function formatCsvRecord(fields: readonly string[]): string {
  return fields.map(formatCsvField).join(',');
}

/**
 * Parse RFC 4180 text into records of fields. Accepts CRLF or LF line breaks and a missing final
 * line break; a final empty line is not a record.
 * @throws Error on an unterminated quoted field or a quote inside an unquoted field.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      if (field !== '')
        throw new Error(`CSV: quote inside an unquoted field in record ${records.length + 1}`);
      quoted = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      if (ch === '\r') i++;
    } else field += ch;
    i++;
  }
  if (quoted) throw new Error(`CSV: unterminated quoted field in record ${records.length + 1}`);
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** patients.csv text for `rows`, header first, CRLF after every record (RFC 4180). */
export function formatPatientsCsv(rows: readonly PatientRow[]): string {
  const lines = [formatCsvRecord(PATIENTS_CSV_HEADER)];
  for (const r of rows) {
    lines.push(
      formatCsvRecord([
        r.nhsNumber,
        r.givenName,
        r.familyName,
        r.birthDate,
        r.gender,
        r.postcode,
        r.homeCommunityIds.join(';'),
        String(r.documentCount),
      ]),
    );
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

/** Rows read from patients.csv plus every problem found (empty when the file is well-formed). */
interface ParsedPatients {
  rows: PatientRow[];
  problems: string[];
}

/**
 * Read patients.csv. Checks syntax, the exact header, the field count, the gender word, the date
 * shape and the document count; semantic checks (NHS number validity, known communities) belong
 * to the loader. Never throws: problems are returned, one line each, prefixed `patients.csv`.
 */
export function parsePatientsCsv(text: string): ParsedPatients {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (e) {
    return { rows: [], problems: [`patients.csv: ${(e as Error).message}`] };
  }
  const [header, ...data] = records;
  if (header?.join(',') !== PATIENTS_CSV_HEADER.join(',')) {
    return { rows: [], problems: [`patients.csv: header must be exactly ${PATIENTS_CSV_HEADER.join(',')}`] };
  }
  const rows: PatientRow[] = [];
  const problems: string[] = [];
  data.forEach((f, i) => {
    const where = `patients.csv line ${i + 2}`;
    if (f.length !== PATIENTS_CSV_HEADER.length) {
      problems.push(`${where}: expected ${PATIENTS_CSV_HEADER.length} fields, found ${f.length}`);
      return;
    }
    const [nhsNumber, givenName, familyName, birthDate, gender, postcode, hcids, count] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!GENDERS.includes(gender as Gender))
      problems.push(`${where}: gender must be one of ${GENDERS.join('/')}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) problems.push(`${where}: birth_date must be YYYY-MM-DD`);
    if (!/^\d+$/.test(count)) problems.push(`${where}: document_count must be a whole number`);
    const homeCommunityIds = hcids === '' ? [] : hcids.split(';');
    rows.push({
      nhsNumber,
      givenName,
      familyName,
      birthDate,
      gender: gender as Gender,
      postcode,
      homeCommunityIds,
      documentCount: Number(count),
    });
  });
  return { rows, problems };
}
