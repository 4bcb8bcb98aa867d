/**
 * `sim up --runtime docker --security` as a user runs it, up to the engine (no engine needed):
 * a certificate set without the containers' DNS names (minted by an older nir-sim) is refused in
 * one line before any engine is contacted; a missing set is minted into NIR_SIM_CERTS_DIR before
 * the engine is asked; a bad NIR_SIM_UID is one line. Real CLI processes, a real missing socket.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { communityFiles } from '../../simulator/security/cert-layout.js';
import { ensureCertificateSet } from '../../simulator/security/cert-mint.js';
import { loadCredential, mintLeaf } from '../../simulator/security/pki.js';
import { repoDir } from '../helpers/topology.js';

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-docker-security-'));
const socket = `unix://${path.join(home, 'no-engine.sock')}`;
afterAll(() => rmSync(home, { recursive: true, force: true }));
const COMMUNITIES = ['north-east-imaging-network', 'north-west-imaging-network', 'yorkshire-imaging-network'];

/** `sim up --runtime docker --security` with DOCKER_HOST at a missing socket; stderr without npm's warnings. */
function up(env: NodeJS.ProcessEnv) {
  const args = ['up', '--runtime', 'docker', '--security', '--port-base', '18080'];
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/cli/main.ts', ...args], {
      cwd: repoDir,
      env: { ...process.env, DOCKER_HOST: socket, NIR_SIM_LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr: stderr.trim() }));
  });
}

describe('sim up --runtime docker --security, before the engine', () => {
  it('refuses a set whose gateway certificate lacks its community name, in one line, exit 64', async () => {
    const certs = path.join(home, 'old-certs');
    await ensureCertificateSet(certs, { communities: COMMUNITIES });
    const f = communityFiles(COMMUNITIES[0]!);
    const read = (rel: string) => readFileSync(path.join(certs, rel), 'utf8');
    const old = await mintLeaf({
      subject: 'CN=localhost, O=nir-sim synthetic test PKI',
      usage: 'server',
      issuer: await loadCredential(read(f.ca), read(f.caKey)),
      dns: ['localhost'],
      ips: ['127.0.0.1', '::1'],
    });
    writeFileSync(path.join(certs, f.server('good').cert), old.certPem);
    const state = mkdtempSync(path.join(home, 'state-'));
    const r = await up({ NIR_SIM_HOME: state, NIR_SIM_CERTS_DIR: certs });
    expect(r).toEqual({
      code: 64,
      stdout: '',
      stderr: `nir-sim: the certificates in ${certs} do not fit the container stack: communities/${COMMUNITIES[0]}/server.pem has no DNS name ${COMMUNITIES[0]} (it has localhost); a set minted by an older nir-sim lacks the containers' DNS names: run npm run sim certs generate -- --force`,
    });
    expect(existsSync(path.join(state, 'state.json'))).toBe(false);
  }, 60_000);

  it('mints a missing set into NIR_SIM_CERTS_DIR, then asks the engine (unreachable here: exit 69)', async () => {
    const certs = path.join(home, 'new-certs');
    const state = mkdtempSync(path.join(home, 'state-'));
    const r = await up({ NIR_SIM_HOME: state, NIR_SIM_CERTS_DIR: certs });
    expect(r.code).toBe(69);
    expect(r.stdout).toMatch(
      new RegExp(
        `^certificates: ${certs} \\(\\d+ files minted\\), mounted read-only into the gateways and the broker, which run as ${process.getuid!()}:${process.getgid!()}\\n$`,
      ),
    );
    expect(r.stderr).toBe(
      `nir-sim: cannot reach a container engine at DOCKER_HOST=${socket} (ENOENT): start the engine there, or set DOCKER_HOST to the socket of one that runs`,
    );
    const manifest = JSON.parse(readFileSync(path.join(certs, 'manifest.json'), 'utf8')) as {
      communities: string[];
    };
    expect(manifest.communities).toEqual(COMMUNITIES);
    expect(existsSync(path.join(state, 'state.json'))).toBe(false);
  }, 60_000);

  it('refuses a NIR_SIM_UID that is not a number, in one line', async () => {
    const r = await up({ NIR_SIM_HOME: home, NIR_SIM_CERTS_DIR: path.join(home, 'uid'), NIR_SIM_UID: 'me' });
    expect(r).toEqual({
      code: 64,
      stdout: '',
      stderr: 'nir-sim: NIR_SIM_UID=me is not a numeric id: set it to a number, e.g. $(id -u)',
    });
  }, 60_000);
});
