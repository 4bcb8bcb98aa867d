/**
 * `sim audit report` reading PARS when PARS cannot give the events: nothing listens, PARS answers
 * an error status, a page larger than the command reads, a body that is not JSON. Each is a
 * SimError whose one line names the URL and what to do.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import yargs from 'yargs';
import { listenOnPort0 } from '../../test/helpers/listen.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SimError } from '../shared/errors.js';
import { failure } from './command-list.js';
import { auditCommand } from './commands/audit.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function pars(handler: http.RequestListener): Promise<string> {
  const { url, close } = await listenOnPort0(http.createServer(handler));
  closers.push(close);
  return url;
}

/** Run `audit report --user someone --pars <base>` in process; the SimError it fails with. */
async function report(base: string): Promise<[string, string]> {
  const err: unknown = await auditCommand(yargs(['audit', 'report', '--user', 'someone', '--pars', base]))
    .strict()
    .fail(failure)
    .parseAsync()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(SimError);
  return [(err as SimError).code, (err as SimError).message];
}

const page = (base: string): string => `${base}/FHIR/R4/AuditEvent?agent=someone&_count=1000`;

describe('sim audit report --pars: PARS that cannot give the events', () => {
  it('nothing listens: SIM_ERR_NOT_RUNNING with the URL and the code', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const base = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    probe.close();
    await once(probe, 'close');
    expect(await report(base)).toEqual([
      'SIM_ERR_NOT_RUNNING',
      `PARS at ${base} does not answer (ECONNREFUSED): is nir-sim running? (or pass --file <audit ndjson>)`,
    ]);
  });

  it('an error status, a page over 128 MiB, a body that is not JSON: SIM_ERR_INTERNAL naming the URL', async () => {
    const status = await pars((_q, res) => res.writeHead(503).end());
    const huge = await pars((_q, res) => {
      res.writeHead(200, { 'content-length': String(128 * 1024 * 1024 + 1) });
      res.write('{');
    });
    const text = await pars((_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    expect([await report(status), await report(huge), await report(text)]).toEqual([
      ['SIM_ERR_INTERNAL', `PARS answered HTTP 503 to ${page(status)}`],
      [
        'SIM_ERR_INTERNAL',
        `PARS answered more than 134217728 bytes to ${page(huge)}: narrow the report with --file`,
      ],
      ['SIM_ERR_INTERNAL', `PARS answered ${page(text)} with a body that is not JSON`],
    ]);
  });
});
