/**
 * The CI check of docs/cli.md: the committed reference is exactly what `npm run docs:cli` writes
 * from the built CLI's `--help` (scripts/cli-reference.ts), so it can never describe options the
 * CLI no longer has. The globalSetup has brought dist/ up to date.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtCliHelp, cliReference, cliReferenceFile, listedCommands } from '../../scripts/cli-reference.js';

describe('docs/cli.md', () => {
  it('reads the subcommands a help text lists, without their positionals', () => {
    const help = [
      'npm run sim -- scenario',
      '',
      'Commands:',
      '  npm run sim -- scenario run <scenario>  run a scenario file or shipped',
      '                                          scenario name',
      '  npm run sim -- scenario list            list the shipped scenarios',
      '  npm run sim -- scenario check <file>    validate a scenario file',
      '',
      'Options:',
      '  --help  Show help                                                 [boolean]',
    ].join('\n');
    expect(listedCommands(help)).toEqual([
      ['scenario', 'run'],
      ['scenario', 'list'],
      ['scenario', 'check'],
    ]);
    expect(listedCommands('npm run sim -- up\n\nOptions:\n  --help  Show help\n')).toEqual([]);
  });

  it(
    'is what npm run docs:cli writes from every command of the built CLI',
    { timeout: 300_000 },
    async () => {
      const asked: string[] = [];
      const fresh = await cliReference((args) => {
        asked.push(args.join(' '));
        return builtCliHelp(args);
      });
      // Every top-level command and the subcommands of fault, broker, scenario, audit and serve.
      expect(asked).toEqual(expect.arrayContaining(['', 'up', 'fault add', 'scenario run', 'serve broker']));
      expect(readFileSync(cliReferenceFile, 'utf8'), 'docs/cli.md is out of date: run npm run docs:cli').toBe(
        fresh,
      );
    },
  );
});
