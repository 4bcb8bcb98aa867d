/**
 * `sim down`: stop a simulator started with `sim up` (detached or in another terminal); with
 * `--runtime docker`, or when the state file says docker, stop and remove the docker runtime's
 * containers and network, found by label (containers/docker-project.ts).
 */
import type { Argv } from 'yargs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { clearDockerState, clearState, isAlive, runningState, type InProcessState } from '../state.js';

const STOP_TIMEOUT_MS = 15_000;

/** Register `down`. Nothing running is not an error. */
export function downCommand(y: Argv): Argv {
  return y.command(
    'down',
    'stop the running simulator',
    (a) =>
      a
        .option('runtime', {
          choices: ['in-process', 'docker'] as const,
          describe: "which runtime to stop (default: the running one's, else in-process)",
        })
        .option('volumes', {
          type: 'boolean',
          default: false,
          describe:
            "with the docker runtime: also remove the project's named volumes (audit trail, PARS records)",
        }),
    async (argv) => {
      const s = runningState();
      const runtime = argv.runtime ?? s?.runtime ?? 'in-process';
      if (runtime === 'docker') {
        await downDocker(s?.runtime === 'docker' ? s.docker.project : undefined, argv.volumes);
        return;
      }
      if (s?.runtime === 'docker') {
        throw new SimError(
          SimErrorCode.BadArgument,
          `the running nir-sim uses the docker runtime (project ${s.docker.project}): run npm run sim down -- --runtime docker`,
        );
      }
      if (!s) {
        process.stdout.write('nir-sim is not running; nothing to stop\n');
        return;
      }
      await downInProcess(s);
    },
  );
}

async function downInProcess(s: InProcessState): Promise<void> {
  process.kill(s.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(s.pid)) {
    if (Date.now() > deadline) {
      throw new SimError(
        SimErrorCode.Internal,
        `nir-sim (pid ${s.pid}) did not stop within ${STOP_TIMEOUT_MS} ms: kill it with kill -9 ${s.pid}`,
      );
    }
    await sleep(100);
  }
  clearState(s.pid);
  process.stdout.write(`nir-sim (pid ${s.pid}) stopped\n`);
}

/**
 * Stop and remove the project's containers and network (volumes with --volumes); say what went.
 * `project` defaults to the container plan's. The container modules (dockerode, and through the
 * plan the server stacks) are loaded here only: `down` of the in-process runtime needs none of them.
 */
async function downDocker(running: string | undefined, volumes: boolean): Promise<void> {
  const [{ ContainerDefaults }, { stopDockerRuntime }, { connectEngine }] = await Promise.all([
    import('../../containers/container-plan.js'),
    import('../../containers/docker-runtime.js'),
    import('../../containers/docker-engine.js'),
  ]);
  const project = running ?? ContainerDefaults.project;
  const engine = await connectEngine();
  const removed = await stopDockerRuntime(project, {
    engine,
    volumes,
    onProgress: (line) => void process.stdout.write(`${line}\n`),
  });
  clearDockerState(project);
  const n = removed.containers.length + removed.networks.length + removed.volumes.length;
  if (n === 0) {
    process.stdout.write(
      `no container or network of project ${project} on ${engine.address}; nothing to remove\n`,
    );
    return;
  }
  const kept = volumes ? '' : ' (named volumes kept; --volumes removes them)';
  process.stdout.write(
    `nir-sim docker project ${project} stopped: ${removed.containers.length} containers, ${removed.networks.length} networks, ${removed.volumes.length} volumes removed${kept}\n`,
  );
}
