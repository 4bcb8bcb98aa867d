import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as SystemToolsModule from './system-tools.js';

type SystemTools = typeof SystemToolsModule;

/** A fresh copy of the module (its probe cache is per module instance) under `env`. */
async function withEnv(env: Record<string, string | undefined>): Promise<SystemTools> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.resetModules();
  return import('./system-tools.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('system tools the tests need', () => {
  it('names every tool with its Debian package and one apt-get line', async () => {
    const t = await withEnv({});
    expect(Object.fromEntries(Object.entries(t.SYSTEM_TOOLS).map(([k, v]) => [k, v.aptPackage]))).toEqual({
      openssl: 'openssl',
      xmlsec1: 'xmlsec1',
      dcmdump: 'dcmtk',
      'docker-compose': 'docker-compose',
      dciodvfy: 'dicom3tools',
    });
    expect(t.aptGetLine(['dcmdump', 'xmlsec1', 'dcmdump'])).toBe('sudo apt-get install -y dcmtk xmlsec1');
  });

  it('outside CI a missing tool skips, with a message saying what to install', async () => {
    const t = await withEnv({ PATH: '/nonexistent', CI: '' });
    expect(t.toolAvailable('xmlsec1')).toBe(false);
    expect(t.missingToolsMessage(['xmlsec1', 'dcmdump'])).toBe(
      'not installed: xmlsec1 (verifying XUA assertion signatures independently), dcmdump (reading every ' +
        'DICOM file the packs and the broker produce); install with `sudo apt-get install -y xmlsec1 dcmtk` ' +
        '(Debian/Ubuntu; CONTRIBUTING.md "Prerequisites for the tests")',
    );
    expect(t.skipWithoutTool('xmlsec1')).toBe(true);
  });

  it('under CI a missing tool fails instead of skipping', async () => {
    const t = await withEnv({ PATH: '/nonexistent', CI: 'true' });
    expect(() => t.skipWithoutTool('dcmdump')).toThrow(
      new Error(
        'CI must not skip tests: not installed: dcmdump (reading every DICOM file the packs and the broker ' +
          'produce); install with `sudo apt-get install -y dcmtk` (Debian/Ubuntu; CONTRIBUTING.md "Prerequisites for the tests")',
      ),
    );
  });

  it('reads CI as set unless it is empty, 0 or false', async () => {
    const t = await withEnv({});
    expect([undefined, '', '0', 'false', 'FALSE', 'true', '1'].map((v) => t.inCi({ CI: v }))).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });
});
