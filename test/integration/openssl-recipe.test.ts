/**
 * certs/README.md's `openssl s_client` recipe, run exactly as written (host, port and certificate
 * directory substituted) against an integration listener on port 0: it gets an HTTP answer
 * through mutual TLS, the WSDL of the ITI-38 endpoint with its https address. The same command
 * without `-cert_chain` (the leaf alone, as the recipe used to be) is refused at the handshake.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWsdlShape } from '../helpers/wsdl-shape.js';
import { repoDir } from '../helpers/topology.js';
import { SoapAction } from '../../simulator/xca/constants.js';
import {
  mintCertDir,
  startSecureTopology,
  waitFor,
  type CertDir,
  type SecureTopology,
} from '../helpers/security-fixtures.js';

let certs: CertDir;
let t: SecureTopology;
let authority: string;
beforeAll(async () => {
  certs = await mintCertDir();
  t = await startSecureTopology(certs);
  authority = new URL(t.running.broker.integration!.url).host;
});
afterAll(async () => {
  await t.running.stop();
  certs.remove();
});

/** The shell block of certs/README.md that runs `openssl s_client`. */
function readmeRecipe(): string {
  const text = readFileSync(path.join(repoDir, 'certs', 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const recipe = blocks.filter((b) => b.includes('openssl s_client'));
  expect(recipe).toHaveLength(1);
  return recipe[0]!;
}

/**
 * Run `script` with the README's host:port and `certs/out/` pointed at this test's listener and
 * certificates, asynchronously (the listener runs in this process).
 */
async function run(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const cmd = script.replaceAll('127.0.0.1:8443', authority).replaceAll('certs/out/', `${certs.dir}/`);
  const child = spawn('bash', ['-o', 'pipefail', '-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [status] = (await once(child, 'close')) as [number | null];
  clearTimeout(killer);
  if (status === 127)
    throw new Error(`openssl is not installed, and this test needs it: apt-get install openssl\n${stderr}`);
  return { status, stdout, stderr };
}

describe("certs/README.md's openssl s_client recipe", () => {
  it('gets an HTTP answer through mutual TLS: the WSDL with the https address', async () => {
    const r = await run(readmeRecipe());
    const [head = '', body = ''] = r.stdout.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head).toMatch(/^content-type: text\/xml; charset=UTF-8$/im);
    expect(checkWsdlShape(body)).toMatchObject({
      operation: 'CrossGatewayQuery',
      inputAction: SoapAction.CrossGatewayQuery,
      address: `https://${authority}/xca/iti38`,
    });
    expect(r.status).toBe(0);
  });

  it('without -cert_chain (the leaf alone) the broker refuses the handshake: no HTTP answer', async () => {
    const leafOnly = readmeRecipe().replace(/-cert_chain \S+ /, '');
    expect(leafOnly).not.toContain('-cert_chain');
    const before = t.lines.filter((l) => l['msg'] === 'TLS client refused').length;
    const r = await run(leafOnly);
    expect(r.stdout).not.toContain('HTTP/1.1');
    await waitFor(
      'the refusal in the log',
      () => t.lines.filter((l) => l['msg'] === 'TLS client refused').length > before,
    );
    expect(r.status).not.toBe(0);
  });
});
