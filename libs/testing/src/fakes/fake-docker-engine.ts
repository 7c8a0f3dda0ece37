import { createHash } from 'node:crypto';
import { DrydockError } from '@drydock/core';
import type {
  BuildImageOptions,
  BuildScoped,
  BuildSecretFile,
  ComposeRunOptions,
  ComposeTestOptions,
  DockerEngine,
  EngineInfo,
  RunTestOptions,
} from '@drydock/docker';
import { fakeComposeConfig } from './fake-compose-config.js';

/** What the fake engine does for the images built from one Dockerfile (all optional: success by default). */
export interface ImageScript {
  /** The build fails with `build_failed` and this message. */
  buildFails?: string;
  /** Lines the build prints. */
  buildOutput?: string[];
  /** How long the build takes; aborting cuts it short. */
  buildDelayMs?: number;
  /** Exit code of a test command by command (default: `exit N` exits N, anything else 0). */
  testExitCodes?: Record<string, number>;
  /** Exit code of a compose `sut` run (default 0). */
  composeExitCode?: number;
  /** How long each test takes; aborting cuts it short. */
  testDelayMs?: number;
}

/** Every call the fake took, in order. */
export type DockerCall =
  | { op: 'build'; buildId: number; dockerfile: string; tags: string[]; labels: Record<string, string>; buildArgs: Record<string, string>; secrets: BuildSecretFile[] }
  | { op: 'test'; buildId: number; image: string; command: string }
  | { op: 'compose'; buildId: number; image: string; composeFile: string }
  | { op: 'tag'; source: string; target: string }
  | { op: 'push'; buildId: number; reference: string }
  | { op: 'pull'; buildId: number; reference: string; localName: string }
  | { op: 'remove'; buildId: number };

/**
 * A scripted DockerEngine for the unit tier (as Woodpecker's dummy backend): each Dockerfile's
 * outcome is set with `script`, nothing runs, and every call is recorded. It keeps the port's
 * contract (see the shared contract spec): labelled resources, and the images a build made
 * with every tag they got, are swept by `removeBuildResources`, abort rejects with `cancelled`, a refused push with `push_failed`.
 * A registry that is down (`downRegistries`, or `failNextPushes`) fails a push or pull with
 * `unavailable`, as the real engine does once its own retries are spent; they are not replayed here.
 */
export class FakeDockerEngine implements DockerEngine {
  readonly calls: DockerCall[] = [];
  /** What the registries hold: reference -> digest. */
  readonly registry = new Map<string, string>();
  /** Registry hosts that do not answer: every push and pull rejects `unavailable`. */
  readonly downRegistries = new Set<string>();
  /** Registry hosts that answer and refuse every push and pull (denied): `push_failed` / `infrastructure`. */
  readonly refusingRegistries = new Set<string>();
  /** Per registry host, how many of the next pushes fail `unavailable` before it answers again. */
  private readonly flakyPushes = new Map<string, number>();
  /** What the registries hold by manifest digest: the image pushed. */
  private readonly manifests = new Map<string, string>();
  /** What `engineInfo` reports: a current engine unless a test says otherwise. */
  info: EngineInfo = { engineVersion: '26.1.5', buildkitVersion: 'v0.13.2' };
  private readonly scripts = new Map<string, ImageScript>();
  private readonly images = new Map<string, string>();
  /** Local reference -> the build whose image it names (labelled at build time, like the real engine's). */
  private readonly imageBuilds = new Map<string, number>();
  /** Builds with something left on the engine (an image built, a test run) until swept. */
  private readonly leftovers = new Set<number>();

  /** Scripts the images built from `dockerfile` (as `.drydock.yml` names it, relative to the checkout). */
  script(dockerfile: string, script: ImageScript): this {
    this.scripts.set(dockerfile, script);
    return this;
  }

  async engineInfo(): Promise<EngineInfo> {
    return { ...this.info };
  }

  async buildImage(options: BuildImageOptions): Promise<{ imageId: string }> {
    const { buildId, dockerfile, tags, labels, buildArgs, secrets = [] } = options;
    this.calls.push({ op: 'build', buildId, dockerfile, tags, labels, buildArgs, secrets });
    const script = this.scripts.get(dockerfile) ?? {};
    this.leftovers.add(buildId);
    for (const line of script.buildOutput ?? []) options.onLog(line);
    await pause(script.buildDelayMs, options.signal);
    if (script.buildFails !== undefined) throw new DrydockError('build_failed', `image build failed: ${script.buildFails}`);
    const imageId = `sha256:${digestOf(`${dockerfile}|${JSON.stringify(buildArgs)}|${options.target ?? ''}`)}`;
    for (const tag of tags) {
      this.images.set(tag, imageId);
      this.imageBuilds.set(tag, buildId);
    }
    return { imageId };
  }

  async runTestCommand(options: RunTestOptions): Promise<{ exitCode: number }> {
    const { buildId, image, command } = options;
    const exitCode = await this.runTest({ op: 'test', buildId, image, command }, options, (script) =>
      script.testExitCodes?.[command] ?? Number(/^exit (\d+)$/.exec(command)?.[1] ?? 0),
    );
    options.onLog(`(fake) ${command} exited with ${exitCode}`);
    return { exitCode };
  }

  /** Reads the compose file as compose would resolve the fields the pipeline checks (see `fakeComposeConfig`). */
  async composeConfig(options: ComposeTestOptions): Promise<unknown> {
    return fakeComposeConfig(options);
  }

  /** Runs nothing: the model's `sut` image picks the script, as the real engine runs that model. */
  async runComposeTest(options: ComposeRunOptions): Promise<{ exitCode: number }> {
    const { buildId, composeFile, model } = options;
    const sut = model.services.sut;
    if (!sut) throw new DrydockError('config_invalid', `${composeFile}: no "sut" service to run as the test`);
    const image = typeof sut.image === 'string' ? sut.image : '';
    return { exitCode: await this.runTest({ op: 'compose', buildId, image, composeFile }, options, (script) => script.composeExitCode ?? 0) };
  }

  async tagImage(source: string, target: string): Promise<void> {
    this.calls.push({ op: 'tag', source, target });
    const imageId = this.images.get(source);
    if (!imageId) throw new DrydockError('infrastructure', `docker tag: no such image: ${source}`);
    this.images.set(target, imageId);
    const owner = this.imageBuilds.get(source);
    if (owner === undefined) this.imageBuilds.delete(target);
    else this.imageBuilds.set(target, owner);
  }

  /** The next `count` pushes to `host` fail `unavailable`, then it answers again. */
  failNextPushes(host: string, count: number): this {
    this.flakyPushes.set(host, count);
    return this;
  }

  async pushImage(reference: string, options: BuildScoped): Promise<{ digest: string }> {
    this.calls.push({ op: 'push', buildId: options.buildId, reference });
    if (options.signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    const imageId = this.images.get(reference);
    if (!imageId) throw new DrydockError('push_failed', `push ${reference}: no such image`);
    const host = reference.split('/')[0];
    const flaky = this.flakyPushes.get(host) ?? 0;
    if (flaky > 0) this.flakyPushes.set(host, flaky - 1);
    if (this.downRegistries.has(host) || flaky > 0) throw new DrydockError('unavailable', `push of ${reference} failed: dial tcp ${host}: connect: connection refused`);
    if (this.refusingRegistries.has(host)) throw new DrydockError('push_failed', `push of ${reference} failed: denied: requested access to the resource is denied`);
    const digest = `sha256:${digestOf(imageId)}`;
    this.registry.set(reference, digest);
    this.manifests.set(digest, imageId);
    options.onLog(`${reference}: digest: ${digest}`);
    return { digest };
  }

  async pullImage(reference: string, localName: string, options: BuildScoped): Promise<{ digest: string }> {
    this.calls.push({ op: 'pull', buildId: options.buildId, reference, localName });
    if (options.signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    const host = reference.split('/')[0];
    if (this.downRegistries.has(host)) throw new DrydockError('unavailable', `pull of ${reference} failed: dial tcp ${host}: connect: connection refused`);
    if (this.refusingRegistries.has(host)) throw new DrydockError('infrastructure', `pull of ${reference} failed: denied: requested access to the resource is denied`);
    const at = reference.lastIndexOf('@');
    const [repository, digest] = [reference.slice(0, at), reference.slice(at + 1)];
    const held = [...this.registry].some(([ref, d]) => d === digest && ref.startsWith(`${repository}:`));
    const imageId = this.manifests.get(digest);
    if (at < 0 || !held || !imageId) throw new DrydockError('infrastructure', `pull of ${reference} failed: manifest unknown: manifest unknown`);
    this.images.set(localName, imageId);
    this.imageBuilds.set(localName, options.buildId);
    this.leftovers.add(options.buildId);
    options.onLog(`Digest: ${digest}`);
    return { digest };
  }

  async removeBuildResources(buildId: number): Promise<void> {
    this.calls.push({ op: 'remove', buildId });
    this.leftovers.delete(buildId);
    for (const [reference, owner] of this.imageBuilds) {
      if (owner !== buildId) continue;
      this.imageBuilds.delete(reference);
      this.images.delete(reference);
    }
  }

  /** Whether the engine holds an image under this local reference (the registry is `registry`). */
  async hasImage(reference: string): Promise<boolean> {
    return this.images.has(reference);
  }

  /** Whether a build left anything on the engine that was not swept yet. */
  hasLeftovers(buildId: number): boolean {
    return this.leftovers.has(buildId);
  }

  /** The operations recorded, as `op target` strings, for order assertions. */
  trace(): string[] {
    return this.calls.map((c) => {
      switch (c.op) {
        case 'build':
          return `build ${c.dockerfile}`;
        case 'test':
          return `test ${c.command}`;
        case 'compose':
          return `compose ${c.composeFile}`;
        case 'tag':
          return `tag ${c.target}`;
        case 'push':
          return `push ${c.reference}`;
        case 'pull':
          return `pull ${c.reference}`;
        case 'remove':
          return `remove ${c.buildId}`;
      }
    });
  }

  /** Records a test run in an image, waits as scripted, and tells its exit code. */
  private async runTest(call: Extract<DockerCall, { op: 'test' | 'compose' }>, { signal }: BuildScoped, exitCodeOf: (script: ImageScript) => number): Promise<number> {
    this.calls.push(call);
    this.leftovers.add(call.buildId);
    const script = this.scriptOfImage(call.image);
    await pause(script.testDelayMs, signal);
    return exitCodeOf(script);
  }

  private scriptOfImage(image: string): ImageScript {
    const build = [...this.calls].reverse().find((c) => c.op === 'build' && c.tags.includes(image));
    return build?.op === 'build' ? (this.scripts.get(build.dockerfile) ?? {}) : {};
  }
}

const digestOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Waits `ms` (none when undefined); rejects with `cancelled` as soon as `signal` aborts. */
function pause(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new DrydockError('cancelled', 'cancelled'));
  if (!ms) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DrydockError('cancelled', 'cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
