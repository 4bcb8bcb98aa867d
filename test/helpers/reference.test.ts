import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fillPlaceholders,
  listPlaceholders,
  mtomRootPart,
  NIST_PLACEHOLDERS,
  readReference,
  readReferenceBytes,
  wrapInSoapEnvelope,
} from './reference.js';
import {
  referenceAvailable,
  referenceDir,
  referenceMissingMessage,
  repoRoot,
  requireReferenceDir,
} from './repo-root.js';
import { referenceVerdict } from './global-setup.js';
import { itRef } from './reference-tests.js';
import { expectSchemaValid } from './xsd.js';

const T12307 =
  'examples/ITI-38/nist-testkit-12307_GetDocuments_by-EntryUUID_with-home_request-body_template.xml';
const T12300 = 'examples/ITI-38/nist-testkit-12300_FindDocuments_LeafClass_request-body_template.xml';
const NHS_CX = '9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe('repo-root', () => {
  it('finds the repository, and expects the shared reference tree next to it', () => {
    expect(
      (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string }).name,
    ).toBe('nir-sim');
    expect(referenceDir).toBe(path.resolve(repoRoot, '../shared/reference'));
  });

  itRef('finds the shared reference tree', () => {
    expect(requireReferenceDir()).toBe(referenceDir);
  });

  it.runIf(!referenceAvailable)('says where the missing reference tree is expected', () => {
    expect(() => requireReferenceDir()).toThrow(
      `Reference material not found at ${referenceDir} (expected ../shared/reference next to the repository root ${repoRoot}`,
    );
    expect(referenceMissingMessage).toBe(
      `IHE reference set not found at ${referenceDir} (../shared/reference beside the repository, with ` +
        'SOURCES.md, xsd/ and examples/): the schema-validation and public-reference-request tests are ' +
        'skipped; every other assertion runs. CI and NIR_SIM_REQUIRE_REFERENCE=1 make this a failure.',
    );
  });
});

describe('readReference', () => {
  itRef('reads files under the reference directory and nothing outside it', () => {
    expect(readReference('SOURCES.md')).toMatch(/^# Reference material/);
    expect(readReferenceBytes(T12300).subarray(0, 6).toString()).toBe('<query');
    expect(() => readReference('../main/package.json')).toThrow(/does not name a file inside/);
    expect(() => readReference('.')).toThrow(/does not name a file inside/);
  });
});

describe('NIST placeholders', () => {
  itRef('lists placeholder tokens but not stored-query parameter names', () => {
    expect(listPlaceholders(readReference(T12300))).toEqual(['$patient_id$']);
    expect(listPlaceholders(readReference(T12307))).toEqual(['$home', '$doc_uuid_1$', '$doc_uuid_2$']);
  });

  itRef('knows every placeholder used anywhere in the ITI-38 / ITI-39 examples', () => {
    const used = new Set<string>();
    for (const dir of ['examples/ITI-38', 'examples/ITI-39']) {
      for (const f of walk(path.join(referenceDir, dir)))
        for (const t of listPlaceholders(readFileSync(f, 'utf8'))) used.add(t.replace(/\$/g, ''));
    }
    expect([...used].sort()).toEqual(Object.keys(NIST_PLACEHOLDERS).sort());
  });

  itRef('fills $name$ and the bare $home of test 12307, XML-escaping values', () => {
    const filled = fillPlaceholders(readReference(T12307), {
      home: 'urn:oid:1.2.826.0.1.1',
      $doc_uuid_1$: 'urn:uuid:a',
      doc_uuid_2: 'urn:uuid:b',
    });
    expect(filled).toContain('home="urn:oid:1.2.826.0.1.1"');
    expect(filled).toContain("('urn:uuid:a', 'urn:uuid:b')");
    expect(filled).toContain('$XDSDocumentEntryEntryUUID');
    expect(listPlaceholders(filled)).toEqual([]);
    expect(fillPlaceholders(readReference(T12300), { patient_id: NHS_CX })).toContain(
      "'9434765919^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO'",
    );
    expect(fillPlaceholders('<a>$x$</a>', { x: '<b/>' }, { escape: false })).toBe('<a><b/></a>');
  });

  itRef('refuses to leave placeholders unfilled unless asked to', () => {
    expect(() => fillPlaceholders(readReference(T12307), { home: 'urn:oid:1.2' })).toThrow(
      /no value for \$doc_uuid_1\$, \$doc_uuid_2\$/,
    );
    expect(fillPlaceholders('$a$ $b$', { a: '1' }, { allowUnfilled: true })).toBe('1 $b$');
  });
});

describe('wrapInSoapEnvelope', () => {
  itRef('wraps body templates in a schema-valid SOAP 1.2 + WS-Addressing envelope', async () => {
    const query = wrapInSoapEnvelope(fillPlaceholders(readReference(T12300), { patient_id: NHS_CX }), {
      messageId: 'urn:uuid:1',
      to: 'https://broker.example/xca',
    });
    expect(query).toContain('<a:Action s:mustUnderstand="1">urn:ihe:iti:2007:CrossGatewayQuery</a:Action>');
    expect(query).toContain('<a:MessageID>urn:uuid:1</a:MessageID>');
    expect(query).toContain('<a:To s:mustUnderstand="1">https://broker.example/xca</a:To>');
    const retrieve = wrapInSoapEnvelope(
      readReference(
        'examples/ITI-39/nist-testkit-12312_Retrieve_missing-HomeCommunityId_request-body_template.xml',
      ),
    );
    expect(retrieve).toContain('urn:ihe:iti:2007:CrossGatewayRetrieve<');
    const withDeclaration = wrapInSoapEnvelope(
      readReference('examples/ITI-38/stored-query-body-negatives/nist_FindDocuments_body_valid-baseline.xml'),
    );
    expect(withDeclaration).not.toContain('<?xml');
    await expectSchemaValid([query, retrieve, withDeclaration]);
  });

  it('needs an action for bodies that are not XCA requests', () => {
    expect(() => wrapInSoapEnvelope('<x:Foo xmlns:x="urn:x"/>')).toThrow(
      /no action given and none known for body root <Foo>/,
    );
  });
});

describe('mtomRootPart', () => {
  itRef('splits the Axis2 capture (LF line ends, no HTTP headers)', () => {
    const part = mtomRootPart(
      readReferenceBytes(
        'examples/ITI-39/nhn-xcads_CrossGatewayRetrieve_request_MTOM-multipart-body_Axis2.txt',
      ),
    );
    expect(part.boundary).toBe('MIMEBoundary_cab1d70f258a850f06f926ab5645aaa9111f017d951cfe8d');
    expect(part.contentId).toBe('<0.dab1d70f258a850f06f926ab5645aaa9111f017d951cfe8d@apache.org>');
    expect(part.contentType).toBe('application/xop+xml; charset=UTF-8; type="application/soap+xml"');
    expect(part.xml.toString('latin1')).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><soapenv:Envelope[\s\S]*<\/soapenv:Envelope>\s*$/,
    );
    expect(part.xml.includes(0xd8)).toBe(true); // the captured Latin-1 byte is kept as is
    expect(part.httpContentType).toBe(
      'multipart/related; type="application/xop+xml"; boundary="MIMEBoundary_cab1d70f258a850f06f926ab5645aaa9111f017d951cfe8d"; ' +
        'start="<0.dab1d70f258a850f06f926ab5645aaa9111f017d951cfe8d@apache.org>"; start-info="application/soap+xml"',
    );
  });

  it('accepts CRLF framing and rejects what is not multipart', () => {
    const crlf = Buffer.from(
      '--b1\r\nContent-ID: <r@x>\r\nContent-Type: application/xop+xml\r\n\r\n<e/>\r\n--b1--\r\n',
    );
    expect(mtomRootPart(crlf).xml.toString()).toBe('<e/>');
    expect(() => mtomRootPart(Buffer.from('<e/>'))).toThrow(/does not start with a MIME boundary/);
  });
});

describe('the global setup when the reference set is missing', () => {
  it('skips with one line saying where it is expected, or fails when it is required', () => {
    expect(referenceVerdict(true, true, '/x/shared/reference')).toEqual({ kind: 'present' });
    expect(referenceVerdict(false, false, referenceDir)).toEqual({
      kind: 'skip',
      line: `nir-sim tests: ${referenceMissingMessage}`,
    });
    expect(referenceVerdict(false, true, '/x/shared/reference')).toEqual({
      kind: 'fail',
      message:
        'IHE reference set not found at /x/shared/reference, and it is required here (CI or ' +
        'NIR_SIM_REQUIRE_REFERENCE=1): put ../shared/reference beside the repository.',
    });
  });
});
