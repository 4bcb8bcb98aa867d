/**
 * The transaction log keeps copies, not the records themselves: a record's short strings
 * (returned DocumentEntry ids, homeCommunityIds, RegistryError texts) may be V8 sliced strings
 * that keep a whole community answer alive, so cutting the bodies at `maxBodyBytes` alone would
 * still keep every answer whole (control/transaction-log.ts). 50 transactions whose legs answered
 * 4 MiB must not keep 200 MiB; measured in a child process with `--expose-gc` (bytes, after a full
 * collection), never with time.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoDir } from '../../helpers/topology.js';

describe('TransactionLog retention', () => {
  it('keeps a transaction without the large answers its ids were cut from', { timeout: 60_000 }, () => {
    const tsx = pathToFileURL(path.join(repoDir, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const script = path.join(repoDir, 'test', 'fixtures', 'memory', 'transaction-log-retention.ts');
    const grown = Number(
      execFileSync(process.execPath, ['--expose-gc', '--import', tsx, script], { encoding: 'utf8' }),
    );
    // 50 x 4 MiB if the answers were kept; 50 x 64 KiB (3.2 MiB) of cut bodies and the rest if not.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
