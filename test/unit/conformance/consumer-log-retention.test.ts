/**
 * The consumer log keeps copies, not the records themselves: a record's short strings may be V8
 * sliced strings that keep a whole community answer alive (conformance/consumer-log.ts `slim`).
 * 50 records cut from 4 MiB texts must not keep 200 MiB; measured in a child process with
 * `--expose-gc` (bytes, after a full collection), never with time.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoDir } from '../../helpers/topology.js';

describe('ConsumerRecordLog retention', () => {
  it('keeps a record without the large text its ids were cut from', { timeout: 60_000 }, () => {
    const tsx = pathToFileURL(path.join(repoDir, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const script = path.join(repoDir, 'test', 'fixtures', 'memory', 'consumer-log-retention.ts');
    const grown = Number(
      execFileSync(process.execPath, ['--expose-gc', '--import', tsx, script], { encoding: 'utf8' }),
    );
    // 50 x 4 MiB (8 MiB as UTF-16 would be more) if the texts were kept; a few hundred KiB if not.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
