/**
 * The benchmark's child processes and how the bench talks to them: each role that is measured
 * (the broker, the physical-limit relay, the simulated communities) runs in a process of its own,
 * so that its CPU time is its own and the load generator (in the bench's process) never shares its
 * event loop. The bench calls named operations over Node's IPC channel (`child_process.fork`; the
 * child inherits the bench's `tsx` loader through `execArgv`); every child also answers `usage`
 * with its `process.cpuUsage()` (µs) and RSS (bytes).
 */
import { fork, type ChildProcess } from 'node:child_process';

/** A call from the bench to a child. */
interface Call {
  id: number;
  op: string;
  arg: unknown;
}

/** A child's answer to a call. */
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** CPU time (µs, user + system as `process.cpuUsage()` counts them) and RSS (bytes) of a process. */
export interface Usage {
  cpuMicros: number;
  rssBytes: number;
}

/** Longest wait for any operation's answer, ms (starting 200 gateways included). */
const CALL_TIMEOUT_MS = 180_000;

/** A running child process of the bench. */
export class BenchChild {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 0;
  #exited: Error | undefined;

  private constructor(
    readonly name: string,
    child: ChildProcess,
  ) {
    this.#child = child;
    child.on('message', (m: Reply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${name}: ${m.error}`));
    });
    child.on('exit', (code, signal) => {
      this.#exited = new Error(`${name} exited (${signal ?? `code ${code}`})`);
      for (const p of this.#pending.values()) p.reject(this.#exited);
      this.#pending.clear();
    });
  }

  /**
   * Start `module` (a file beside this one, e.g. `broker-process.ts`) as a child process. With
   * `NIR_SIM_BENCH_CPU_PROF=DIR` set, each child writes a V8 CPU profile into DIR when it exits
   * (`node --cpu-prof`; open it in Chrome DevTools or speedscope), one file per process.
   * `nodeFlags` are added to the child's Node and V8 options (e.g. `--single-threaded-gc`).
   */
  static start(module: string, name: string, nodeFlags: readonly string[] = []): BenchChild {
    const file = new URL(module, import.meta.url);
    const profDir = process.env['NIR_SIM_BENCH_CPU_PROF'];
    const execArgv = [
      ...process.execArgv,
      ...nodeFlags,
      ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    ];
    const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new BenchChild(name, child);
  }

  /**
   * Call operation `op` with `arg` (JSON-serialisable) and resolve with its value.
   * @throws Error when the operation failed, the child exited, or no answer came within 180 s.
   */
  call<T>(op: string, arg?: unknown): Promise<T> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${op} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, op, arg } satisfies Call);
    });
  }

  /** The child's CPU time so far and its RSS now. */
  usage(): Promise<Usage> {
    return this.call<Usage>('usage');
  }

  /** Ask the child to stop what it runs and exit; kill it if it has not gone after 10 s. */
  async close(): Promise<void> {
    if (this.#exited) return;
    const gone = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    await this.call('exit').catch(() => undefined);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** An operation a child serves: takes the call's argument, resolves with a JSON-serialisable value. */
export type Operation = (arg: never) => unknown;

/**
 * Serve `ops` over the IPC channel of this (child) process, with `usage` and `exit` added:
 * `exit` runs `onExit` (stop listeners, close pools), answers, and leaves. The process also
 * leaves when the bench goes away (the channel disconnects).
 * @throws Error when this process was not started with an IPC channel.
 */
export function serveOperations(ops: Record<string, Operation>, onExit: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('a bench child process must be started by the bench (child_process.fork)');
  let exiting: Promise<void> | undefined;
  const stop = (): Promise<void> => (exiting ??= onExit());
  const all: Record<string, (arg: never) => unknown> = {
    ...ops,
    usage: (): Usage => {
      const u = process.cpuUsage();
      return { cpuMicros: u.user + u.system, rssBytes: process.memoryUsage.rss() };
    },
    exit: stop,
  };
  process.on('message', (m: Call) => {
    const op = all[m.op];
    void (async () => {
      try {
        if (!op) throw new Error(`unknown operation ${m.op}`);
        const value = await op(m.arg as never);
        send({ id: m.id, ok: true, value: value ?? null } satisfies Reply);
      } catch (err) {
        send({
          id: m.id,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        } satisfies Reply);
      }
      if (m.op === 'exit') process.disconnect();
    })();
  });
  process.on('disconnect', () => {
    void stop().finally(() => process.exit(0));
  });
}
