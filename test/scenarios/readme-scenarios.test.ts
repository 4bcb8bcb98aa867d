/**
 * docs/scenarios.md stays true: its example file (marker `<!-- nir-sim:example scenario -->`) is a
 * valid scenario that passes when run, and its table of shipped scenarios (marker
 * `<!-- nir-sim:table shipped-scenarios -->`) lists exactly the files in scenarios/.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInProcessEnvironment } from '../../simulator/scenario/environments.js';
import { consoleReport } from '../../simulator/scenario/reporters/console.js';
import { runScenario } from '../../simulator/scenario/runner.js';
import { parseScenarioText, SCENARIO_SUFFIX } from '../../simulator/scenario/scenario-file.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { docExample, docTable } from '../helpers/docs.js';
import { repoDir } from '../helpers/topology.js';

describe('docs/scenarios.md', () => {
  it('has an example file that is valid and passes', { timeout: 60_000 }, async () => {
    const parsed = parseScenarioText(docExample('docs/scenarios.md', 'scenario'));
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const env = await startInProcessEnvironment(parsed.scenario, {
      baseDir: path.join(repoDir, 'scenarios'),
      logger: silentLogger(),
    });
    const result = await runScenario(parsed.scenario, env).finally(() => env.stop());
    expect(result.passed, consoleReport([result])).toBe(true);
    expect(result.steps.map((s) => s.kind)).toEqual([
      'query',
      'add-faults',
      'retrieve',
      'clear-faults',
      'retrieve',
    ]);
  });

  it('lists every shipped scenario, and only those', () => {
    const table = docTable('docs/scenarios.md', 'shipped-scenarios').join('\n');
    const listed = [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    const shipped = readdirSync(path.join(repoDir, 'scenarios'))
      .filter((f) => f.endsWith(SCENARIO_SUFFIX))
      .map((f) => f.slice(0, -SCENARIO_SUFFIX.length));
    expect([...listed].sort()).toEqual(shipped.sort());
  });
});
