import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DrydockError, localImagePattern, type ErrorCode } from '@drydock/core';
import type { AppConfig, TestLimits } from '@drydock/config';
import { dockerClientConfigs, dockerClientEnv } from './client-env.js';
import type {
  BuildImageOptions,
  BuildScoped,
  BuildSecretFile,
  ComposeRunOptions,
  ComposeTestOptions,
  DockerEngine,
  EngineInfo,
  RunTestOptions,
} from './docker-engine.js';
import { composeConfig } from './compose-config.js';
import { buildFailureSummary, buildkitVersionOf, closingLines, engineUnreachable, pulledDigest, pushedDigest, registryProblem, withoutRetryCountdown } from './docker-output.js';
import { registryLogin } from './registry-login.js';
import { withRegistryRetries, type RegistryRetry } from './registry-retry.js';
import { runCommand, type CommandResult, type RunCommandOptions } from './run-command.js';
import { boxComposeModel, DEFAULT_TEST_LIMITS, testContainerArgs } from './test-box.js';

export interface CliDockerEngineOptions {
  /** A docker client with the buildx and compose v2 plugins, e.g. /usr/bin/docker. */
  dockerCli: string;
  dockerHost?: string;
  registry: AppConfig['registry'];
  /** Limits of every test container (default 2g, 2 CPUs, 1024 processes). */
  testLimits?: TestLimits;
  /** Where the docker client configs go (`dockerClientConfigs`: the login apart from what builds use); default: a temporary directory. */
  clientConfigDir?: string;
  /** How pushes and pulls are tried again while the registry fails (default `DEFAULT_REGISTRY_RETRY`: 5 attempts, 1 s doubling). */
  registryRetry?: RegistryRetry;
}

type RunOptions = Omit<RunCommandOptions, 'env'>;

const BUILD_LABEL_KEY = 'drydock.build';
const buildLabel = (buildId: number) => `${BUILD_LABEL_KEY}=${buildId}`;
/** A compose test's project: the build's, and its run's when the call names one, so a run's teardown never touches another run's project. */
const composeProject = (buildId: number, runId?: string) => `drydock-${buildId}${runId ? `-${runId.slice(0, 8).toLowerCase()}` : ''}`;
/** The builder buildx makes for the engine itself (docker driver): BuildKit inside dockerd, results in its image store. */
const ENGINE_BUILDER = 'default';

/**
 * DockerEngine on the docker CLI, spawned with argument arrays: builds through
 * `docker buildx build` on the engine's own BuildKit, compose tests through `docker compose` (v2).
 * Cancelling kills the client with SIGKILL: BuildKit then cancels the build on the engine,
 * and the containers a call started are removed before it rejects.
 * The registry login is in a docker config that only `docker login`, `docker push` and the worker's own `docker pull` (`pullImage`) get;
 * builds, test containers and compose pull without it (see `dockerClientConfigs`).
 */
export class CliDockerEngine implements DockerEngine {
  private readonly env: Record<string, string>;
  /** `env` with the config holding the registry login: for `docker login`, `docker push` and `pullImage` only. */
  private readonly loginEnv: Record<string, string>;
  private readonly testLimits: TestLimits;
  private readonly login: () => Promise<void>;
  private testRuns = 0;

  constructor(private readonly options: CliDockerEngineOptions) {
    // PATH and HOME of the worker, the engine from config, no secret of the worker's (see dockerClientEnv), no registry login.
    const configs = dockerClientConfigs(options.clientConfigDir);
    this.env = { ...dockerClientEnv(options.dockerHost), DOCKER_CONFIG: configs.build };
    this.loginEnv = { ...this.env, DOCKER_CONFIG: configs.login };
    this.testLimits = options.testLimits ?? DEFAULT_TEST_LIMITS;
    this.login = registryLogin(options.registry, (args, input) => runCommand(this.options.dockerCli, args, { env: this.loginEnv, input }));
  }

  static fromConfig(config: AppConfig, dockerHost = config.dockerHost): CliDockerEngine {
    return new CliDockerEngine({
      dockerCli: config.dockerCli,
      dockerHost,
      registry: config.registry,
      testLimits: config.testLimits,
      clientConfigDir: path.join(config.dataDir, 'docker-client'),
    });
  }

  async engineInfo(): Promise<EngineInfo> {
    const version = await this.docker(['version', '--format', '{{.Server.Version}}'], { captureStdout: true });
    this.assertSucceeded(version, 'infrastructure', () => `docker version failed: ${closingLines(version.lines)}`);
    const builder = await this.docker(['buildx', 'inspect', ENGINE_BUILDER], { captureStdout: true });
    this.assertSucceeded(builder, 'infrastructure', () => `docker buildx inspect failed (is buildx installed?): ${closingLines(builder.lines)}`);
    if (engineUnreachable(builder.lines)) throw unreachable(builder);
    return { engineVersion: version.stdout.trim(), buildkitVersion: buildkitVersionOf(builder.stdout) };
  }

  async buildImage(o: BuildImageOptions): Promise<{ imageId: string }> {
    throwIfAborted(o.signal);
    const scratch = await mkdtemp(path.join(tmpdir(), 'drydock-build-'));
    const iidFile = path.join(scratch, 'image-id');
    try {
      const args = ['buildx', 'build', '--builder', ENGINE_BUILDER, '--load', '--progress=plain', '-f', dockerfilePath(o), '--iidfile', iidFile];
      if (o.target) args.push('--target', o.target);
      for (const [key, value] of Object.entries(o.buildArgs)) args.push('--build-arg', `${key}=${value}`);
      for (const [key, value] of Object.entries(o.labels)) args.push('--label', `${key}=${value}`);
      for (const secret of o.secrets ?? []) args.push('--secret', secretArg(secret));
      args.push('--label', buildLabel(o.buildId)); // last, so a Dockerfile's or caller's own cannot stand in for it
      for (const tag of o.tags) args.push('-t', tag);
      args.push(o.contextDir);
      const result = await this.docker(args, { signal: o.signal, onLine: o.onLog, keepLines: 1000 });
      this.assertSucceeded(result, 'build_failed', () => `docker buildx build failed: ${buildFailureSummary(result.lines)}`);
      return { imageId: (await readFile(iidFile, 'utf8')).trim() };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async runTestCommand(o: RunTestOptions): Promise<{ exitCode: number }> {
    throwIfAborted(o.signal);
    const name = `drydock-${o.buildId}-test-${++this.testRuns}-${randomBytes(3).toString('hex')}`;
    // `sh -c` as the entrypoint: an image's own ENTRYPOINT would otherwise receive the command as arguments.
    const args = ['run', '--name', name, '--label', buildLabel(o.buildId), ...testContainerArgs(this.testLimits), '--entrypoint', 'sh', o.image, '-c', o.command];
    try {
      const result = await this.docker(args, { signal: o.signal, onLine: o.onLog });
      this.assertRan(result);
      if (result.exitCode === 125 && result.lines.some((l) => l.startsWith('docker: '))) {
        throw new DrydockError('infrastructure', `could not start a test container from ${o.image}: ${closingLines(result.lines)}`);
      }
      return { exitCode: result.exitCode };
    } finally {
      await this.removeContainers([name]);
    }
  }

  composeConfig(o: ComposeTestOptions): Promise<unknown> {
    return composeConfig(this.options.dockerCli, this.env, o);
  }

  async runComposeTest(o: ComposeRunOptions): Promise<{ exitCode: number }> {
    throwIfAborted(o.signal);
    if (!o.model.services.sut) throw new DrydockError('config_invalid', `${o.composeFile}: no "sut" service to run as the test`);
    const project = composeProject(o.buildId, o.runId);
    // The checked model with the box on every service, never the file: compose files cannot be trusted to carry limits.
    const scratch = await mkdtemp(path.join(tmpdir(), 'drydock-compose-'));
    const modelFile = path.join(scratch, 'compose.json');
    const noEnvFile = path.join(scratch, 'empty.env'); // the model is interpolated already: the checkout's .env is not read again
    const builtImagePrefix = `drydock-compose/b${o.buildId}-${randomBytes(12).toString('hex')}`;
    await writeFile(modelFile, JSON.stringify(boxComposeModel(o.model, { project, buildId: o.buildId, limits: this.testLimits, builtImagePrefix })), { mode: 0o600 });
    await writeFile(noEnvFile, '', { mode: 0o600 });
    const compose = (args: string[], extra: RunOptions = {}) =>
      runCommand(this.options.dockerCli, ['compose', '--progress', 'plain', '-p', project, '-f', modelFile, '--project-directory', o.projectDir, '--env-file', noEnvFile, ...args], {
        env: this.env,
        cwd: o.projectDir,
        ...extra,
      });
    try {
      const result = await compose(['run', '-T', '--rm', 'sut'], { signal: o.signal, onLine: o.onLog });
      this.assertRan(result);
      return { exitCode: result.exitCode };
    } finally {
      await this.removeContainers(await this.containerIds(`label=com.docker.compose.project=${project}`));
      await compose(['down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '1']);
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async tagImage(source: string, target: string): Promise<void> {
    const result = await this.docker(['tag', source, target]);
    this.assertSucceeded(result, 'infrastructure', () => `docker tag ${source} ${target} failed: ${closingLines(result.lines)}`);
  }

  /** Logs in and pushes, again with backoff while the registry fails on its side (see `withRegistryRetries`). */
  async pushImage(reference: string, o: BuildScoped): Promise<{ digest: string }> {
    throwIfAborted(o.signal);
    const push = async () => {
      await this.loginFor(`push of ${reference}`);
      const result = await runCommand(this.options.dockerCli, ['push', reference], { env: this.loginEnv, signal: o.signal, onLine: withoutRetryCountdown(o.onLog) });
      this.assertRegistryCall(result, `push of ${reference}`, 'push_failed');
      const digest = pushedDigest(result.lines);
      if (!digest) throw new DrydockError('push_failed', `push of ${reference} reported no digest: ${closingLines(result.lines, 3)}`);
      return { digest };
    };
    return withRegistryRetries(push, { signal: o.signal, onLog: o.onLog, retry: this.options.registryRetry });
  }

  /** Logs in and pulls by digest (again with backoff, as a push), then gives the image its local name. */
  async pullImage(reference: string, localName: string, o: BuildScoped): Promise<{ digest: string }> {
    throwIfAborted(o.signal);
    const pull = async () => {
      await this.loginFor(`pull of ${reference}`);
      const result = await runCommand(this.options.dockerCli, ['pull', reference], { env: this.loginEnv, signal: o.signal, onLine: withoutRetryCountdown(o.onLog) });
      this.assertRegistryCall(result, `pull of ${reference}`, 'infrastructure');
      // docker checked the content against the digest it names here (the one asked for, when pulling by digest)
      const digest = pulledDigest(result.lines);
      if (!digest) throw new DrydockError('infrastructure', `pull of ${reference} reported no digest: ${closingLines(result.lines, 3)}`);
      return { digest };
    };
    const pulled = await withRegistryRetries(pull, { signal: o.signal, onLog: o.onLog, retry: this.options.registryRetry });
    await this.tagImage(reference, localName);
    return pulled;
  }

  async removeBuildResources(buildId: number): Promise<void> {
    const project = `label=com.docker.compose.project=${composeProject(buildId)}`;
    await this.removeContainers([...(await this.containerIds(`label=${buildLabel(buildId)}`)), ...(await this.containerIds(project))]);
    // the build's compose projects: `drydock-<id>` and every run's `drydock-<id>-<run>`
    const ofBuild = (name: string) => name === composeProject(buildId) || name.startsWith(`${composeProject(buildId)}-`);
    for (const kind of ['network', 'volume'] as const) {
      const format = '{{.Name}} {{.Label "com.docker.compose.project"}}';
      const listed = await this.docker([kind, 'ls', '--filter', 'label=com.docker.compose.project', '--format', format], { captureStdout: true });
      this.assertSucceeded(listed, 'infrastructure', () => `docker ${kind} ls failed: ${closingLines(listed.lines)}`);
      const ids = listed.stdout.split('\n').map((line) => line.trim().split(/\s+/)).filter(([name, owner]) => name && owner && ofBuild(owner)).map(([name]) => name);
      if (ids.length > 0) await this.docker([kind, 'rm', ...ids]);
    }
    await this.removeBuildImages(buildId);
  }

  /**
   * The images the build made (labelled at build time) with every tag they carry, local and
   * registry ones alike, then dangling images of any build. BuildKit's cache is a store of its
   * own: it stays, so the next build of the repository is still fast.
   */
  private async removeBuildImages(buildId: number): Promise<void> {
    const listed = await this.docker(['image', 'ls', '-q', '--no-trunc', '--filter', `label=${buildLabel(buildId)}`], { captureStdout: true });
    this.assertSucceeded(listed, 'infrastructure', () => `docker image ls failed: ${closingLines(listed.lines)}`);
    // and those under one of the build's local names: an image pulled for it carries another build's label
    const named = await this.docker(['image', 'ls', '-q', '--no-trunc', '--filter', `reference=${localImagePattern(buildId)}`], { captureStdout: true });
    this.assertSucceeded(named, 'infrastructure', () => `docker image ls failed: ${closingLines(named.lines)}`);
    const ids = [...new Set([...words(listed.stdout), ...words(named.stdout)])];
    if (ids.length > 0) await this.docker(['image', 'rm', '--force', ...ids]);
    await this.docker(['image', 'prune', '--force', '--filter', `label=${BUILD_LABEL_KEY}`]);
  }

  private docker(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    return runCommand(this.options.dockerCli, args, { env: this.env, ...options });
  }

  private async containerIds(filter: string): Promise<string[]> {
    const result = await this.docker(['ps', '-aq', '--filter', filter], { captureStdout: true });
    this.assertSucceeded(result, 'infrastructure', () => `docker ps failed: ${closingLines(result.lines)}`);
    return words(result.stdout);
  }

  /** Idempotent: containers already gone are not an error. */
  private async removeContainers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const result = await this.docker(['rm', '--force', '--volumes', ...ids]);
    if (engineUnreachable(result.lines)) throw unreachable(result);
  }

  /** Throws `cancelled` when the call was aborted, `infrastructure` when the engine was unreachable. */
  private assertRan(result: CommandResult): void {
    if (result.aborted) throw new DrydockError('cancelled', 'cancelled');
    if (result.exitCode !== 0 && engineUnreachable(result.lines)) throw unreachable(result);
  }

  /** The registry login before `what` (a push or pull); its failure is that call's, with the same code. */
  private async loginFor(what: string): Promise<void> {
    try {
      await this.login();
    } catch (err) {
      if (!(err instanceof DrydockError)) throw err;
      throw new DrydockError(err.code, `${what} failed: ${err.message}`, { cause: err });
    }
  }

  /**
   * A push or pull that failed: `unavailable` when the registry failed on its side (worth another
   * attempt, see `registryProblem`), else `refused`; both with the registry's own message.
   */
  private assertRegistryCall(result: CommandResult, what: string, refused: ErrorCode): void {
    this.assertRan(result);
    if (result.exitCode === 0) return;
    const problem = registryProblem(result.lines);
    throw new DrydockError(problem.transient ? 'unavailable' : refused, `${what} failed: ${problem.message}`);
  }

  private assertSucceeded(result: CommandResult, code: ErrorCode, message: () => string): void {
    this.assertRan(result);
    if (result.exitCode !== 0) throw new DrydockError(code, message());
  }
}

function unreachable(result: CommandResult): DrydockError {
  return new DrydockError('unavailable', `Docker engine unreachable: ${closingLines(result.lines, 2)}`);
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DrydockError('cancelled', 'cancelled');
}

/** `id=<id>,src=<src>`, which buildx reads as CSV: a value that would break out of its field is refused. */
function secretArg({ id, src }: BuildSecretFile): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || !path.isAbsolute(src) || /[,"\r\n]/.test(src)) {
    throw new DrydockError('infrastructure', `build secret "${id}" cannot be passed to BuildKit: its id or file path has characters buildx does not read`);
  }
  return `id=${id},src=${src}`;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** `dockerfile` is relative to the checkout root: `checkoutDir`, else the nearest directory above the context holding `.git`. */
function dockerfilePath(o: BuildImageOptions): string {
  if (path.isAbsolute(o.dockerfile)) return o.dockerfile;
  return path.resolve(o.checkoutDir ?? gitRootAbove(o.contextDir) ?? o.contextDir, o.dockerfile);
}

function gitRootAbove(dir: string): string | null {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return null;
  }
}
