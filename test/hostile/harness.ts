/**
 * The hostile-input suite's machinery: the simulator in a child process (sim-process.ts), restarted
 * after a case that froze or killed it; a health monitor polling every listener's `GET /health`
 * from this process, concurrently with the cases; one request at a time with a 2 s budget
 * (the oracle of test/hostile/README.md), over plain HTTP on 127.0.0.1 only; and the oracle every answer must pass.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { DOMParser } from '@xmldom/xmldom';
import { repoDir } from '../helpers/topology.js';
import type { SimProcessUrls } from './sim-process.js';

/** Every answer (headers and whole body) must arrive within this, ms (test/hostile/README.md). */
const ANSWER_BUDGET_MS = 2_000;
/**
 * A health probe must answer within this, ms. Longer than the answer budget: the probes run all the
 * time, also while other work loads this shared machine, and a real freeze (the review's shortest
 * was 6.6 s) still fails them; a case's own request keeps the 2 s budget.
 */
const HEALTH_BUDGET_MS = 5_000;
/** Pause between two rounds of health probes, ms. */
const HEALTH_INTERVAL_MS = 250;
/** The child must print its URLs within this, ms (tsx compiles on start; generous for a busy machine). */
const START_TIMEOUT_MS = 120_000;
/** Bodies longer than this are cut while reading (the oracle reads the first part only), bytes. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

const SOAP_ENV = 'http://www.w3.org/2003/05/soap-envelope';

/** Where a request goes: a broker SOAP endpoint or a control-API path. */
export type Target = 'ITI-38' | 'ITI-39' | 'RAD-75' | { control: string };

/** One HTTP request of a case. */
export interface HostileRequest {
  target: Target;
  method?: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** What came back for a request. */
export type Answer =
  | {
      kind: 'answer';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: Buffer;
      ms: number;
    }
  | { kind: 'hang'; ms: number }
  | { kind: 'closed'; ms: number; code: string };

/** The running child simulator. */
export class SimProcess {
  private child: ChildProcess | undefined;
  private lines: Interface | undefined;
  private stderrTail = '';
  urls!: SimProcessUrls;

  /** Start the child and wait for its URLs. @throws Error with its stderr when it does not start. */
  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoDir, 'test/hostile/sim-process.ts')],
      {
        cwd: repoDir,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, NIR_SIM_LOG_LEVEL: 'silent' },
      },
    );
    this.child = child;
    this.stderrTail = '';
    child.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-4096);
    });
    this.lines = createInterface({ input: child.stdout });
    const first = await this.nextLine(START_TIMEOUT_MS);
    if (first === undefined)
      throw new Error(`the simulator child did not start within ${START_TIMEOUT_MS} ms: ${this.stderrTail}`);
    this.urls = JSON.parse(first) as SimProcessUrls;
  }

  /** True while the child has not exited. */
  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the child ended, with the end of its stderr (for a crash report). */
  exitReport(): string {
    const c = this.child;
    return `exit code ${String(c?.exitCode)}, signal ${String(c?.signalCode)}; stderr: ${this.stderrTail.trim() || '(empty)'}`;
  }

  /** The audit events not yet in PARS, or undefined when the child does not answer within `ms`. */
  async queueDepth(ms = 5_000): Promise<number | undefined> {
    if (!this.alive()) return undefined;
    this.child!.stdin!.write('depth\n');
    const line = await this.nextLine(ms);
    return line === undefined ? undefined : (JSON.parse(line) as { queueDepth: number }).queueDepth;
  }

  /** Stop the child: SIGTERM, then SIGKILL after 5 s (a frozen child cannot handle SIGTERM). */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.child = undefined;
    this.lines?.close();
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    const dir = this.urls?.auditDir;
    if (dir && path.dirname(dir) === tmpdir()) rmSync(dir, { recursive: true, force: true });
  }

  /** Stop and start again: after a case that froze or killed the child. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private nextLine(ms: number): Promise<string | undefined> {
    const lines = this.lines!;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        lines.off('line', onLine);
        resolve(undefined);
      }, ms);
      const onLine = (line: string): void => {
        clearTimeout(timer);
        resolve(line);
      };
      lines.once('line', onLine);
    });
  }
}

/** One failed health probe. */
interface HealthFailure {
  url: string;
  at: number;
  problem: string;
}

/**
 * Polls `GET /health` of the broker, the control API, PARS and every gateway, round after round,
 * until stopped; records every probe that failed or took longer than 5 s.
 */
export class HealthMonitor {
  private failures: HealthFailure[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private lastRoundEnd = 0;
  /** Bumped by clear(): a probe started before a restart records nothing. */
  private generation = 0;

  constructor(private readonly urls: () => string[]) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(this.urls().map((u) => this.probe(u)));
        this.lastRoundEnd = Date.now();
        await sleep(HEALTH_INTERVAL_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Failures recorded at or after `since` (epoch ms). */
  failuresSince(since: number): HealthFailure[] {
    return this.failures.filter((f) => f.at >= since);
  }

  /** Forget what was recorded, and what probes still in flight will find (after a restart of the child). */
  clear(): void {
    this.failures = [];
    this.generation++;
  }

  /** Resolves once a whole round of probes has started and ended after now. */
  async nextRound(): Promise<void> {
    const t = Date.now();
    while (this.lastRoundEnd <= t + 1) await sleep(50);
  }

  private async probe(url: string): Promise<void> {
    const generation = this.generation;
    const health = `${url}/health`;
    const a = await send(
      { target: { control: '' }, method: 'GET', headers: {}, body: Buffer.alloc(0) },
      health,
      HEALTH_BUDGET_MS,
    );
    if ((a.kind === 'answer' && a.status === 200) || generation !== this.generation) return;
    const problem =
      a.kind === 'answer'
        ? `answered HTTP ${a.status}`
        : a.kind === 'hang'
          ? `no answer within ${HEALTH_BUDGET_MS} ms`
          : `closed the connection (${a.code})`;
    this.failures.push({ url: health, at: Date.now(), problem });
  }
}

/** The URL a request goes to. */
export function urlOf(urls: SimProcessUrls, target: Target): string {
  return typeof target === 'string' ? urls.endpoints[target] : `${urls.control}${target.control}`;
}

/**
 * Send one request and wait for the whole answer, at most `budgetMs` from the first byte sent.
 * A connection the server closes (or resets) without an HTTP answer is `closed`.
 */
export function send(req: HostileRequest, url: string, budgetMs = ANSWER_BUDGET_MS): Promise<Answer> {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1')
    throw new Error(`the hostile suite sends to 127.0.0.1 only, not ${u.hostname}`);
  const t0 = Date.now();
  return new Promise<Answer>((resolve) => {
    let done = false;
    const finish = (a: Answer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      r.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => finish({ kind: 'hang', ms: Date.now() - t0 }), budgetMs);
    const r = request(
      {
        method: req.method ?? 'POST',
        hostname: '127.0.0.1',
        port: Number(u.port),
        path: `${u.pathname}${u.search}`,
        headers: {
          ...req.headers,
          ...(req.body.length > 0 ? { 'content-length': String(req.body.length) } : {}),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          if (size < MAX_READ_BYTES) chunks.push(d);
          size += d.length;
        });
        const end = (): void =>
          finish({
            kind: 'answer',
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: Date.now() - t0,
          });
        res.on('end', end);
        // A server that answers, then closes before the body ends: judge what arrived.
        res.on('error', end);
        res.on('aborted', end);
      },
    );
    r.on('error', (e: NodeJS.ErrnoException) => {
      // EPIPE / ECONNRESET while still sending: the server may have answered early (413); wait for it.
      setTimeout(() => finish({ kind: 'closed', ms: Date.now() - t0, code: e.code ?? e.message }), 200);
    });
    r.end(req.body);
  });
}

/**
 * Open a connection, send `head` (bytes), then nothing: resolves when the server closes the
 * connection or answers (`cut`), or after `limitMs` (`open`: the server still waits).
 */
export function stall(
  url: string,
  head: string,
  limitMs: number,
): Promise<{ kind: 'cut'; ms: number; firstLine: string } | { kind: 'open'; ms: number }> {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1')
    throw new Error(`the hostile suite sends to 127.0.0.1 only, not ${u.hostname}`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const s = connect(Number(u.port), '127.0.0.1');
    let got = '';
    let settled = false;
    const settle = (
      v: { kind: 'cut'; ms: number; firstLine: string } | { kind: 'open'; ms: number },
    ): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => settle({ kind: 'open', ms: Date.now() - t0 }), limitMs);
    s.on('connect', () => s.write(head));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n'))
        settle({ kind: 'cut', ms: Date.now() - t0, firstLine: got.split('\r\n')[0]! });
    });
    s.on('error', () => undefined);
    s.on('close', () => settle({ kind: 'cut', ms: Date.now() - t0, firstLine: got.split('\r\n')[0] ?? '' }));
  });
}

/** The fault code of a SOAP 1.2 Fault body (`env:Sender`, ...), or why it is not one. */
function soapFaultCode(body: Buffer): { code: string } | { problem: string } {
  const text = body.toString('utf8');
  const errors: string[] = [];
  let doc: ReturnType<DOMParser['parseFromString']>;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') errors.push(msg);
      },
    }).parseFromString(text, 'application/xml');
  } catch (e) {
    return { problem: `not well-formed XML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  const root = doc.documentElement;
  if (errors.length > 0 || !root) return { problem: `not well-formed XML (${errors[0] ?? 'no root'})` };
  if (root.namespaceURI !== SOAP_ENV || root.localName !== 'Envelope')
    return {
      problem: `root is {${String(root.namespaceURI)}}${String(root.localName)}, not a SOAP 1.2 Envelope`,
    };
  const fault = root.getElementsByTagNameNS(SOAP_ENV, 'Fault')[0];
  if (!fault) return { problem: 'a SOAP 1.2 envelope without env:Fault' };
  const value = fault
    .getElementsByTagNameNS(SOAP_ENV, 'Code')[0]
    ?.getElementsByTagNameNS(SOAP_ENV, 'Value')[0];
  const reason = fault
    .getElementsByTagNameNS(SOAP_ENV, 'Reason')[0]
    ?.getElementsByTagNameNS(SOAP_ENV, 'Text')[0];
  if (!value || !reason) return { problem: 'env:Fault without env:Code/env:Value and env:Reason/env:Text' };
  const qname = (value.textContent ?? '').trim();
  const [prefix, local] = qname.includes(':') ? qname.split(':') : ['', qname];
  if (value.lookupNamespaceURI(prefix || null) !== SOAP_ENV)
    return { problem: `fault code ${qname} is not in the SOAP 1.2 namespace` };
  return { code: `env:${local}` };
}

/** Paths, stack frames and Node internals that must never reach a client (first match, or undefined). */
function leak(body: Buffer): string | undefined {
  const text = body.subarray(0, 8 * 1024 * 1024).toString('latin1');
  const patterns: [string, RegExp][] = [
    ['the repository path', new RegExp(escapeRegExp(repoDir))],
    ['the temporary directory', new RegExp(`${escapeRegExp(tmpdir())}/`)],
    ['a filesystem path', /(?:^|[\s"'>(=])\/(?:work|home|root|usr|tmp|var|etc|opt|srv)\/[\w.-]/],
    ['node_modules', /node_modules[\\/]/],
    ['a file URL', /file:\/\/\//],
    ['a stack frame', /\n\s+at [\w$.<>[\] ]+ \(|\n\s+at (?:file|node):|\n\s+at \/[\w/.-]+:\d+:\d+/],
    ['a Node internal', /node:internal|internal\/(?:streams|http|process|modules)\//],
    ['/etc/passwd content', /root:x:0:0:/],
  ];
  for (const [what, re] of patterns) {
    const m = re.exec(text);
    if (m) return `${what} (${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 60))})`;
  }
  return undefined;
}

/**
 * The oracle for one answer. SOAP endpoints: every 4xx is a SOAP 1.2 Fault env:Sender; every 5xx a
 * SOAP 1.2 Fault env:Receiver, or one of the other codes SOAP 1.2 Part 2 (7.5.2.2, Table 20) binds
 * to 500 (env:MustUnderstand, env:VersionMismatch, env:DataEncodingUnknown). The control API:
 * no 5xx for anything a client sent, every 4xx JSON with `error`. Everywhere: an answer within
 * 2 s and no leaked path, stack trace or Node internal.
 * @returns the problems (empty when the answer passes).
 */
export function judge(target: Target, a: Answer): string[] {
  if (a.kind === 'hang') return [`no answer within ${ANSWER_BUDGET_MS} ms`];
  if (a.kind === 'closed')
    return [`the connection was closed without an HTTP answer (${a.code}) after ${a.ms} ms`];
  const problems: string[] = [];
  const leaked = leak(a.body);
  if (leaked) problems.push(`the answer leaks ${leaked}`);
  if (typeof target === 'string') {
    if (a.status >= 400) {
      const f = soapFaultCode(a.body);
      const allowed =
        a.status < 500
          ? ['env:Sender']
          : ['env:Receiver', 'env:MustUnderstand', 'env:VersionMismatch', 'env:DataEncodingUnknown'];
      if ('problem' in f)
        problems.push(`HTTP ${a.status} is not a SOAP 1.2 Fault: ${f.problem}: ${preview(a.body)}`);
      else if (!allowed.includes(f.code))
        problems.push(`HTTP ${a.status} carries ${f.code}, expected ${allowed.join(' or ')}`);
    }
  } else {
    if (a.status >= 500) problems.push(`the control API answered HTTP ${a.status}: ${preview(a.body)}`);
    else if (a.status >= 400) {
      let ok = false;
      try {
        ok = typeof (JSON.parse(a.body.toString('utf8')) as { error?: unknown }).error === 'string';
      } catch {
        ok = false;
      }
      if (!ok) problems.push(`HTTP ${a.status} without a JSON { error }: ${preview(a.body)}`);
    }
  }
  return problems;
}

/** The status and the start of a body, for failure messages. */
export function describeAnswer(a: Answer): string {
  if (a.kind !== 'answer') return a.kind === 'hang' ? `no answer in ${a.ms} ms` : `closed (${a.code})`;
  return `HTTP ${a.status} in ${a.ms} ms: ${preview(a.body)}`;
}

function preview(body: Buffer): string {
  const t = body.subarray(0, 300).toString('utf8').replace(/\s+/g, ' ');
  return JSON.stringify(body.length > 300 ? `${t}...` : t);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
