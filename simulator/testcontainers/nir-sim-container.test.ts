/**
 * The Testcontainers module without an engine (docs/testcontainers.md): the `up` command line and
 * ports built from the options, the options' bounds with every problem named, and the URLs of a
 * started container on its mapped host ports. test/e2e/containers/testcontainers.test.ts runs it
 * on a real engine.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimError, SimErrorCode } from '../shared/errors.js';
import {
  checkContainerOptions,
  exposedPorts,
  mappedUrls,
  NirSimPorts,
  upCommand,
} from './container-command.js';
import { NirSimContainer } from './nir-sim-container.js';

describe('the command line and ports of a NirSimContainer', () => {
  it('runs `up` in the foreground on every interface, on the 8080 layout, with only the flags asked for', () => {
    expect(upCommand({})).toEqual(['up', '--host', '0.0.0.0', '--port-base', '8080']);
    expect(upCommand({ gateways: 3, mhdGateways: 1, deadlineMs: 4_000, security: true })).toEqual([
      ...['up', '--host', '0.0.0.0', '--port-base', '8080'],
      ...['--gateways', '3', '--mhd-gateways', '1', '--deadline-ms', '4000', '--security'],
    ]);
  });

  it('publishes every port the image EXPOSEs (podman lists each; Testcontainers waits for each)', async () => {
    const dockerfile = await readFile(path.join(import.meta.dirname, '../../compose/Dockerfile'), 'utf8');
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(' ').map(Number);
    expect(exposedPorts()).toEqual(exposed);
    expect(exposedPorts()).toEqual(expect.arrayContaining(Object.values(NirSimPorts)));
  });
});

describe('NirSimContainer options are checked before anything starts', () => {
  it.each([
    [{ gateways: 0 }, 'withGateways(0): a whole number from 1 to 200'],
    [{ gateways: 201 }, 'withGateways(201): a whole number from 1 to 200'],
    [{ gateways: 2.5 }, 'withGateways(2.5): a whole number from 1 to 200'],
    [{ mhdGateways: -1 }, 'withMhdGateways(-1): a whole number from 0 to 200'],
    [
      { gateways: 150, mhdGateways: 60 },
      'withGateways and withMhdGateways make 210 communities: at most 200 in all',
    ],
    [{ mhdGateways: 198 }, 'withGateways and withMhdGateways make 201 communities: at most 200 in all'],
    [{ deadlineMs: 0 }, 'withDeadlineMs(0): a positive whole number of milliseconds'],
    [
      { gateways: 0, deadlineMs: 1.5 },
      'withGateways(0): a whole number from 1 to 200; withDeadlineMs(1.5): a positive whole number of milliseconds',
    ],
  ])('%j is refused with a SimError naming the option', (options, problems) => {
    expect(() => checkContainerOptions(options)).toThrow(
      new SimError(SimErrorCode.BadArgument, `invalid NirSimContainer options: ${problems}`),
    );
  });

  it('start() refuses bad options with that SimError before it asks any engine', async () => {
    const err = await new NirSimContainer('nir-sim:never-pulled')
      .withGateways(0)
      .start()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toEqual(
      new SimError(
        SimErrorCode.BadArgument,
        'invalid NirSimContainer options: withGateways(0): a whole number from 1 to 200',
      ),
    );
  });

  it('accepts the bounds themselves', () => {
    expect(() => checkContainerOptions({ gateways: 1, mhdGateways: 0, deadlineMs: 1 })).not.toThrow();
    expect(() => checkContainerOptions({ gateways: 200 })).not.toThrow();
  });
});

describe('the URLs of a started container use the mapped host ports', () => {
  const ports: Record<number, number> = { 8080: 32768, 8090: 32769, 8100: 32770, 8443: 32771 };
  const mapped = (p: number): number => ports[p]!;

  it('without security: the broker (every transaction), its FHIR base, the control API and PARS', () => {
    const broker = 'http://127.0.0.1:32768';
    expect(mappedUrls('127.0.0.1', mapped, false)).toEqual({
      broker: {
        url: broker,
        fhirBase: `${broker}/fhir`,
        endpoints: {
          'ITI-38': `${broker}/xca/iti38`,
          'ITI-39': `${broker}/xca/iti39`,
          'RAD-75': `${broker}/xcai/rad75`,
          'ITI-67': `${broker}/fhir/DocumentReference`,
          'ITI-68': `${broker}/fhir/document`,
          'WADO-RS': `${broker}/wado-rs`,
        },
      },
      control: 'http://127.0.0.1:32769',
      pars: 'http://127.0.0.1:32770',
    });
  });

  it('with security: the integration port is https on its own mapped port, every transaction under it', () => {
    const urls = mappedUrls('localhost', mapped, true);
    expect(urls.integration?.url).toBe('https://localhost:32771');
    expect(urls.integration?.endpoints['ITI-38']).toBe('https://localhost:32771/xca/iti38');
    expect(urls.integration?.fhirBase).toBe('https://localhost:32771/fhir');
    expect(urls.broker.url).toBe('http://localhost:32768');
  });
});
