/**
 * The CI check of docs/conformance.md: its generated section is exactly what `npm run
 * docs:conformance` writes from the kit's registries (scripts/conformance-reference.ts), so the page
 * lists every check with its Given/When/Then and source, and no check that is gone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckDefinition } from '../../../simulator/conformance/check.js';
import { consumerChecks } from '../../../simulator/conformance/consumer-checks.js';
import { providerChecks } from '../../../simulator/conformance/provider-checks.js';
import {
  BEGIN_MARKER,
  END_MARKER,
  checksSection,
  conformanceDocFile,
  generatedConformanceDoc,
  withChecksSection,
} from '../../../scripts/conformance-reference.js';

const check: CheckDefinition = {
  id: 'ITI38-HOME',
  area: 'ITI-38',
  title: 'Every object carries home',
  given: 'a known patient',
  when: 'NIR sends FindDocuments | LeafClass',
  then: 'every ExtrinsicObject has <home> equal to the homeCommunityId',
  source: 'IHE ITI TF-2 3.38.4.1.2.1',
  items: ['UAT-01', 'NFT-01'],
};

describe('docs/conformance.md', () => {
  it('is what npm run docs:conformance writes from the registries', () => {
    const page = readFileSync(conformanceDocFile, 'utf8');
    expect(page, 'docs/conformance.md is out of date: run npm run docs:conformance').toBe(
      generatedConformanceDoc(page),
    );
    // Every registered check is on the page.
    for (const c of [...providerChecks, ...consumerChecks])
      expect(page).toContain(`| \`${c.definition.id}\` |`);
  });

  it('writes a row per check with its area, Given/When/Then (escaped), source and items', () => {
    const section = checksSection([check], []);
    expect(section.split('\n')).toEqual([
      '### Provider checks (1)',
      '',
      'In the order a provider run executes them and the report lists them.',
      '',
      '| Check | Area | Given / When / Then | Source | Onboarding items |',
      '| --- | --- | --- | --- | --- |',
      '| `ITI38-HOME` | ITI-38 | **Given** a known patient<br>**When** NIR sends FindDocuments \\| LeafClass<br>**Then** every ExtrinsicObject has \\<home\\> equal to the homeCommunityId | IHE ITI TF-2 3.38.4.1.2.1 | UAT-01, NFT-01 |',
      '',
      '### Consumer checks (0)',
      '',
      "Judged on every request a consumer sends to the sim's broker.",
      '',
      'No checks are registered yet.',
    ]);
  });

  it('replaces only the text between the markers, and refuses a page without them', () => {
    const page = `# T\n\nbefore\n\n${BEGIN_MARKER}\nold table\n${END_MARKER}\n\nafter\n`;
    expect(withChecksSection(page, 'NEW')).toBe(
      `# T\n\nbefore\n\n${BEGIN_MARKER}\n\nNEW\n\n${END_MARKER}\n\nafter\n`,
    );
    expect(withChecksSection(withChecksSection(page, 'NEW'), 'NEW')).toBe(withChecksSection(page, 'NEW'));
    expect(() => withChecksSection('# no markers\n', 'NEW')).toThrow(/must hold the markers/);
  });
});
