/**
 * A recording container engine for the docker runtime's orchestration tests: every call of
 * simulator/containers/docker-engine.ts's DockerEngine is kept as one line (`createContainer
 * nir-sim-broker`), and answers come from settable fields. Only for orchestration logic (order,
 * rollback, label filters, messages); the real engine is exercised by `npm run test:containers`.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type {
  DockerEngine,
  EngineContainer,
  EngineContainerState,
} from '../../simulator/containers/docker-engine.js';

/** A DockerEngine that records every call as one line and answers from its settings. */
export class RecordingEngine implements DockerEngine {
  readonly address = 'DOCKER_HOST=unix:///fake.sock';
  readonly calls: string[] = [];
  readonly created: ContainerCreateOptions[] = [];
  existing: EngineContainer[] = [];
  image = true;
  networks: string[] = [];
  volumes: string[] = [];
  /** The state `inspectContainer` reports for a container name (default: running, healthy). */
  state: (name: string) => EngineContainerState = () => ({
    status: 'running',
    running: true,
    exitCode: 0,
    health: 'healthy',
  });
  logs = 'line one\nline two\n';
  /** Record `line` and answer `value`. */
  private answer<T>(line: string, value: T): Promise<T> {
    this.calls.push(line);
    return Promise.resolve(value);
  }
  ping() {
    return this.answer('ping', undefined);
  }
  imageExists(image: string) {
    return this.answer(`imageExists ${image}`, this.image);
  }
  buildImage(
    b: { context: string; entries: string[]; dockerfile: string; tag: string },
    onLine: (l: string) => void,
  ) {
    onLine('Step 1/2 : FROM node');
    return this.answer(`buildImage ${b.tag} ${b.dockerfile} ${b.context}`, undefined);
  }
  listContainers(labels: string[]) {
    return this.answer(`listContainers ${labels.join(',')}`, this.existing);
  }
  listNetworks(labels: string[]) {
    return this.answer(`listNetworks ${labels.join(',')}`, this.networks);
  }
  networkExists(name: string) {
    return this.answer(`networkExists ${name}`, false);
  }
  createNetwork(name: string, labels: Record<string, string>) {
    return this.answer(`createNetwork ${name} ${JSON.stringify(labels)}`, undefined);
  }
  removeNetwork(name: string) {
    return this.answer(`removeNetwork ${name}`, undefined);
  }
  listVolumes(labels: string[]) {
    return this.answer(`listVolumes ${labels.join(',')}`, this.volumes);
  }
  volumeExists(name: string) {
    return this.answer(`volumeExists ${name}`, false);
  }
  createVolume(name: string, labels: Record<string, string>) {
    return this.answer(`createVolume ${name} ${JSON.stringify(labels)}`, undefined);
  }
  removeVolume(name: string) {
    return this.answer(`removeVolume ${name}`, undefined);
  }
  createContainer(o: ContainerCreateOptions) {
    this.created.push(o);
    return this.answer(`createContainer ${o.name}`, `id-${o.name}`);
  }
  startContainer(id: string) {
    return this.answer(`startContainer ${id}`, undefined);
  }
  inspectContainer(id: string) {
    return this.answer(`inspectContainer ${id}`, this.state(id.replace(/^id-/, '')));
  }
  containerLogs(id: string, tail: number) {
    return this.answer(`containerLogs ${id} ${tail}`, this.logs);
  }
  stopContainer(id: string, timeoutS: number) {
    return this.answer(`stopContainer ${id} ${timeoutS}`, undefined);
  }
  removeContainer(id: string) {
    return this.answer(`removeContainer ${id}`, undefined);
  }
}
