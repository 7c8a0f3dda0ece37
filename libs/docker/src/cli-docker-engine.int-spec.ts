import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testServices, rejectionOf } from '@drydock/testing';
import semver from 'semver';
import { CliDockerEngine } from './cli-docker-engine.js';
import { checkEngine, MIN_BUILDKIT_VERSION } from './engine-requirements.js';
import type { BuildImageOptions, BuildScoped, ComposeModel } from './docker-engine.js';

const { dockerCli: DOCKER_CLI, dockerHost, registry, registryCredentials } = testServices();

/** The engine as a user sees it, for checking outcomes. */
const docker = (...args: string[]) =>
  execFileSync(DOCKER_CLI, args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8' }).trim();
const containersOf = (buildId: number) => docker('ps', '-aq', '--filter', `label=drydock.build=${buildId}`);
const composeLeftovers = (buildId: number) =>
  ['ps -aq', 'network ls -q', 'volume ls -q']
    .map((cmd) => docker(...cmd.split(' '), '--filter', `label=com.docker.compose.project=drydock-${buildId}`))
    .join('');

describe('CliDockerEngine', () => {
  const engine = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost, registry: { host: registry, ...registryCredentials } });
  const buildId = 900_000 + randomInt(99_999);
  const image = `drydock-spec/engine:${buildId}`;
  let workDir: string;
  let logs: string[] = [];

  const scoped = (signal = new AbortController().signal): BuildScoped => ({ buildId, signal, onLog: (line) => logs.push(line) });
  const build = async (dockerfile: string, options: Partial<BuildImageOptions> = {}) => {
    const contextDir = await mkdtemp(path.join(workDir, 'ctx-'));
    await writeFile(path.join(contextDir, 'Dockerfile'), dockerfile);
    return engine.buildImage({ ...scoped(), contextDir, dockerfile: 'Dockerfile', buildArgs: {}, labels: {}, tags: [], ...options });
  };
  /** Resolves a compose file as the pipeline does, then runs that model's sut. */
  const composeTest = async (on: CliDockerEngine, content: string, signal?: AbortSignal) => {
    const projectDir = await mkdtemp(path.join(workDir, 'compose-'));
    const composeFile = 'docker-compose.test.yml';
    await writeFile(path.join(projectDir, composeFile), content);
    const model = (await on.composeConfig({ ...scoped(), projectDir, composeFile, image })) as ComposeModel;
    return on.runComposeTest({ ...scoped(signal), projectDir, composeFile, model });
  };
  /** Aborts once `ready()` holds (polled), and tells when it did. */
  const abortWhen = (ready: () => boolean) => {
    const controller = new AbortController();
    const state = { signal: controller.signal, abortedAt: 0 };
    const poll = setInterval(() => {
      if (!ready()) return;
      clearInterval(poll);
      state.abortedAt = Date.now();
      controller.abort();
    }, 100);
    return state;
  };
  const hostProcess = (pattern: string) => {
    try {
      return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim() !== '';
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'drydock-docker-spec-'));
    // A checkout: the Dockerfile path is relative to its root (found by its .git), the context is a subdirectory.
    await mkdir(path.join(workDir, 'checkout/.git'), { recursive: true });
    await mkdir(path.join(workDir, 'checkout/app'), { recursive: true });
    await mkdir(path.join(workDir, 'checkout/docker'), { recursive: true });
    await writeFile(path.join(workDir, 'checkout/app/greeting.txt'), 'from the context\n');
    await writeFile(
      path.join(workDir, 'checkout/docker/Dockerfile'),
      [
        'FROM busybox:latest',
        'ARG GREETING',
        'COPY greeting.txt /greeting.txt',
        'RUN echo "$GREETING" > /arg.txt && echo built-step-output',
        'ENTRYPOINT ["echo", "entrypoint-ran"]',
      ].join('\n'),
    );
    const built = await engine.buildImage({
      ...scoped(),
      contextDir: path.join(workDir, 'checkout/app'),
      dockerfile: 'docker/Dockerfile',
      buildArgs: { GREETING: 'hello $(not a shell) world' },
      labels: { 'org.opencontainers.image.revision': 'abc123', 'org.opencontainers.image.source': 'https://example.test/a b' },
      tags: [image],
    });
    expect(built.imageId).toBe(docker('image', 'inspect', '--format', '{{.Id}}', image));
  });

  beforeEach(() => {
    logs = [];
  });

  afterAll(async () => {
    await engine.removeBuildResources(buildId); // the images it built go with it
    await rm(workDir, { recursive: true, force: true });
  });

  describe('engineInfo', () => {
    it('reports an engine whose BuildKit is 0.12.5 or newer, which checkEngine accepts', async () => {
      const info = await engine.engineInfo();
      expect(semver.gte(semver.coerce(info.engineVersion) ?? '0.0.0', '25.0.0')).toBe(true);
      // Debian's docker.io reports its BuildKit as v0.0.0+unknown: then the engine version tells.
      const buildkit = semver.clean(info.buildkitVersion ?? '');
      if (buildkit !== null && buildkit !== '0.0.0') expect(semver.gte(buildkit, MIN_BUILDKIT_VERSION)).toBe(true);
      expect(checkEngine(info, false)).toBeNull();
    });

    it('reports an unreachable engine as unavailable', async () => {
      const nowhere = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost: 'unix:///nonexistent/docker.sock', registry: { host: registry, ...registryCredentials } });
      const err = await rejectionOf(nowhere.engineInfo());
      expect(err.code).toBe('unavailable');
      expect(err.message).toContain('unreachable');
    });
  });

  describe('buildImage', () => {
    it('builds with labels and build args, tags the result and streams the output', () => {
      const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', image)) as Record<string, string>;
      expect(labels).toMatchObject({ 'org.opencontainers.image.revision': 'abc123', 'org.opencontainers.image.source': 'https://example.test/a b' });
      expect(docker('run', '--rm', '--entrypoint', 'cat', image, '/arg.txt', '/greeting.txt')).toBe('hello $(not a shell) world\nfrom the context');
    });

    it('rejects a failing RUN with build_failed quoting the step and its output', async () => {
      const err = await rejectionOf(build('FROM busybox:latest\nRUN echo before-fail; echo to-stderr >&2; exit 3\n'));
      expect(err.code).toBe('build_failed');
      expect(err.message).toContain('RUN echo before-fail; echo to-stderr >&2; exit 3');
      expect(err.message).toContain('exit code: 3');
      expect(err.message).toContain('before-fail');
      expect(err.message).toContain('to-stderr');
      expect(logs.some((l) => l.includes('to-stderr'))).toBe(true);
    });

    it('rejects a Dockerfile syntax error with build_failed', async () => {
      const err = await rejectionOf(build('FROM busybox:latest\nNOPE this\n'));
      expect(err.code).toBe('build_failed');
      expect(err.message).toContain('unknown instruction: NOPE');
    });

    it('stops a running build when aborted: the client returns at once and BuildKit cancels the RUN', async () => {
      const sleep = `sleep ${300 + randomInt(99)}`; // a process on the engine's host we can look for
      const abort = abortWhen(() => hostProcess(`^${sleep}$`));
      const err = await rejectionOf(build(`FROM busybox:latest\nRUN echo ${buildId} && ${sleep}\n`, { signal: abort.signal }));
      expect(err.code).toBe('cancelled');
      expect(Date.now() - abort.abortedAt).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(hostProcess(`^${sleep}$`)).toBe(false);
    });

    it('reports an unreachable engine as unavailable', async () => {
      const nowhere = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost: 'unix:///nonexistent/docker.sock', registry: { host: registry, ...registryCredentials } });
      const contextDir = await mkdtemp(path.join(workDir, 'ctx-'));
      await writeFile(path.join(contextDir, 'Dockerfile'), 'FROM busybox:latest\n');
      const err = await rejectionOf(nowhere.buildImage({ ...scoped(), contextDir, dockerfile: 'Dockerfile', buildArgs: {}, labels: {}, tags: [] }));
      expect(err.code).toBe('unavailable');
    });
  });

  describe('runTestCommand', () => {
    it('resolves with the exit code, runs the command instead of the entrypoint, and leaves no container', async () => {
      const passed = await engine.runTestCommand({ ...scoped(), image, command: 'test "$(cat /arg.txt)" = "hello \\$(not a shell) world" && echo test-ok' });
      const failed = await engine.runTestCommand({ ...scoped(), image, command: 'echo failing; exit 3' });

      expect(passed.exitCode).toBe(0);
      expect(failed.exitCode).toBe(3);
      expect(logs).toEqual(expect.arrayContaining(['test-ok', 'failing']));
      expect(logs.join('\n')).not.toContain('entrypoint-ran');
      expect(containersOf(buildId)).toBe('');
    });

    it('kills a running test when aborted and removes its container', async () => {
      const abort = abortWhen(() => docker('ps', '-q', '--filter', `label=drydock.build=${buildId}`) !== ''); // running
      const err = await rejectionOf(engine.runTestCommand({ ...scoped(abort.signal), image, command: 'sleep 30' }));
      expect(err.code).toBe('cancelled');
      expect(Date.now() - abort.abortedAt).toBeLessThan(3000);
      expect(containersOf(buildId)).toBe('');
    });

    it('starts nothing when aborted before the call', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejectionOf(engine.runTestCommand({ ...scoped(controller.signal), image, command: 'true' }));
      expect(err.code).toBe('cancelled');
      expect(logs).toEqual([]);
    });
  });

  describe('runComposeTest', () => {
    const composeFile = (sutCommand: string) =>
      [
        'services:',
        '  helper:',
        '    image: busybox:latest',
        "    command: sh -c 'sleep 300'",
        '    volumes: [scratch:/scratch]',
        '  sut:',
        '    image: ${DRYDOCK_IMAGE}',
        '    entrypoint: ["sh", "-c"]',
        `    command: ["${sutCommand}"]`,
        '    depends_on: [helper]',
        'volumes:',
        '  scratch: {}',
      ].join('\n');
    const compose = (content: string, signal?: AbortSignal) => composeTest(engine, content, signal);

    it("resolves with sut's exit code, shows its output and tears the project down but keeps the image", async () => {
      const result = await compose(composeFile('cat /greeting.txt; exit 5'));

      expect(result.exitCode).toBe(5);
      expect(logs).toContain('from the context');
      expect(composeLeftovers(buildId)).toBe('');
      expect(docker('image', 'inspect', '--format', '{{.Id}}', image)).toMatch(/^sha256:/);
    });

    it('passes when sut exits 0', async () => {
      expect((await compose(composeFile('exit 0'))).exitCode).toBe(0);
    });

    it('refuses a compose file without a sut service as config_invalid', async () => {
      const err = await rejectionOf(compose('services:\n  app:\n    image: busybox:latest\n'));
      expect(err.code).toBe('config_invalid');
      expect(err.message).toContain('sut');
    });

    it('kills sut when aborted and removes the whole project', async () => {
      const sutRunning = () => docker('ps', '-q', '--filter', `label=com.docker.compose.project=drydock-${buildId}`, '--filter', 'label=com.docker.compose.service=sut') !== '';
      const abort = abortWhen(sutRunning);
      const err = await rejectionOf(compose(composeFile('sleep 30'), abort.signal));
      expect(err.code).toBe('cancelled');
      expect(Date.now() - abort.abortedAt).toBeLessThan(3000);
      expect(composeLeftovers(buildId)).toBe('');
    });
  });

  describe('the test box', () => {
    const limits = { memoryBytes: 300 * 1024 ** 2, cpus: 1.5, pids: 200 };
    const secret = `spec-secret-${randomInt(1e9)}`;
    let boxed: CliDockerEngine;
    /** Prints the memory limit, pids limit and CPU quota (cgroup v2 or v1), NoNewPrivs, the effective capabilities and the environment. */
    const BOX = [
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
      'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max',
      "cut -d' ' -f1 /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us",
      'grep -E "^(NoNewPrivs|CapEff)" /proc/self/status',
      'env',
    ].join('; ');
    const expectBoxed = (lines: string[]) => {
      expect(lines).toEqual(expect.arrayContaining([String(limits.memoryBytes), String(limits.pids), '150000', expect.stringMatching(/^NoNewPrivs:\s+1$/)]));
      const capEff = BigInt(`0x${lines.find((l) => l.startsWith('CapEff:'))?.split(/\s+/)[1] ?? 'ffffffffff'}`);
      const DOCKER_DEFAULT_CAPS = 0xa80425fbn;
      expect(capEff & ~DOCKER_DEFAULT_CAPS).toBe(0n); // nothing added
      expect(capEff & (1n << 13n)).toBe(0n); // NET_RAW dropped
      expect(lines.join('\n')).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(Buffer.from(secret).toString('base64'));
    };

    beforeAll(() => {
      // A server secret in the worker's environment: the engine's children must not inherit it.
      process.env.DRYDOCK_SPEC_SECRET = secret;
      try {
        boxed = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost, registry: { host: registry }, testLimits: limits });
      } finally {
        delete process.env.DRYDOCK_SPEC_SECRET;
      }
    });

    it('runs test commands with the limits, no-new-privileges, fewer capabilities and none of the worker\'s environment', async () => {
      const { exitCode } = await boxed.runTestCommand({ ...scoped(), image, command: BOX });
      expect(exitCode).toBe(0);
      expectBoxed(logs);
    });

    it('runs every compose service in the same box, whatever the file asks to pass through', async () => {
      const file = (command: string) =>
        [
          'services:',
          '  helper:',
          '    image: busybox:latest',
          `    command: ["sh", "-c", "${command}"]`,
          '  sut:',
          '    image: ${DRYDOCK_IMAGE}',
          '    environment: [DRYDOCK_SPEC_SECRET, "DOLLAR=$$x"]',
          '    entrypoint: ["sh", "-c"]',
          `    command: ["${command}; echo dollar=$$DOLLAR"]`,
          '    depends_on: [helper]',
        ].join('\n');
      const { exitCode } = await composeTest(boxed, file(BOX.replaceAll('"', '\\"').replaceAll('$', '$$$$')));
      expect(exitCode).toBe(0);
      expectBoxed(logs);
      expect(logs).toContain('dollar=$x');
      expect(composeLeftovers(buildId)).toBe('');
    });
  });

  describe('pushImage', () => {
    it("pushes a tag and resolves with the registry's manifest digest", async () => {
      const name = `drydock-spec/engine-${buildId}`;
      const reference = `${registry}/${name}:v1`;
      await engine.tagImage(image, reference);
      try {
        const { digest } = await engine.pushImage(reference, scoped());

        const res = await fetch(`http://${registry}/v2/${name}/manifests/v1`, {
          method: 'HEAD',
          headers: {
            accept: 'application/vnd.docker.distribution.manifest.v2+json',
            authorization: `Basic ${Buffer.from(`${registryCredentials.username}:${registryCredentials.password}`).toString('base64')}`,
          },
        });
        expect(res.status).toBe(200);
        expect(digest).toBe(res.headers.get('docker-content-digest'));
      } finally {
        docker('image', 'rm', reference);
      }
    });

    it('tries again with backoff while the registry is down, then fails unavailable with its message', async () => {
      const reference = `127.0.0.1:1/drydock-spec/engine:${buildId}`;
      await engine.tagImage(image, reference);
      const retrying = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost, registry: { host: registry }, registryRetry: { attempts: 3, firstDelayMs: 200 } });
      try {
        const started = Date.now();
        const err = await rejectionOf(retrying.pushImage(reference, scoped()));
        expect(err.code).toBe('unavailable');
        expect(err.message).toMatch(/^push of 127\.0\.0\.1:1\/drydock-spec\/engine:\d+ failed: Get "http:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused \(3 attempts\)$/);
        expect(logs.filter((l) => l.includes(`push of ${reference} failed:`) && l.includes('; retrying in '))).toEqual([
          expect.stringMatching(/connection refused; retrying in 0\.2s \(attempt 2 of 3\)$/),
          expect.stringMatching(/connection refused; retrying in 0\.4s \(attempt 3 of 3\)$/),
        ]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(600);
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        docker('image', 'rm', reference);
      }
    });
  });

  describe('registry login', () => {
    let clientConfigDir: string;
    const withCredentials = (host: string) =>
      new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost, registry: { host: `${host}/team`, ...registryCredentials }, clientConfigDir });

    beforeAll(async () => {
      clientConfigDir = path.join(await mkdtemp(path.join(workDir, 'docker-client-')), 'configs');
    });

    it('logs in to the configured registry before the first push, into a private config that builds do not get', async () => {
      const reference = `${registry}/team/drydock-spec-login:${buildId}`;
      await engine.tagImage(image, reference);
      try {
        await withCredentials(registry).pushImage(reference, scoped());
        const config = JSON.parse(await readFile(path.join(clientConfigDir, 'login', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
        expect(Buffer.from(config.auths[registry].auth, 'base64').toString()).toBe(`${registryCredentials.username}:${registryCredentials.password}`);
        expect((await stat(path.join(clientConfigDir, 'login'))).mode & 0o777).toBe(0o700);
        expect(await readFile(path.join(clientConfigDir, 'build', 'config.json'), 'utf8')).not.toContain('auths');
      } finally {
        docker('image', 'rm', reference);
      }
    });

    it('fails the push with push_failed when the registry refuses the login, and unavailable when it is down', async () => {
      const refused = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost, registry: { host: registry, username: 'drydock', password: 'not-the-password' }, clientConfigDir });
      const err = await rejectionOf(refused.pushImage(`${registry}/team/x:${buildId}`, scoped()));
      expect(err.code).toBe('push_failed');
      expect(err.message).toBe(`push of ${registry}/team/x:${buildId} failed: docker login to ${registry} as drydock failed: login attempt to http://${registry}/v2/ failed with status: 401 Unauthorized`);
      const down = new CliDockerEngine({ ...{ dockerCli: DOCKER_CLI, dockerHost, clientConfigDir }, registry: { host: '127.0.0.1:1/team', ...registryCredentials }, registryRetry: { attempts: 1, firstDelayMs: 1 } });
      const unavailable = await rejectionOf(down.pushImage(`127.0.0.1:1/team/x:${buildId}`, scoped()));
      expect(unavailable.code).toBe('unavailable');
      expect(unavailable.message).toContain('docker login to 127.0.0.1:1 as drydock failed');
    });
  });

  describe('removeBuildResources', () => {
    it('removes what a dead worker left behind, every run\'s compose projects too, and is idempotent', async () => {
      const runProject = `drydock-${buildId}-0123abcd`; // a run's own project (BuildScoped.runId)
      docker('run', '-d', '--label', `drydock.build=${buildId}`, 'busybox:latest', 'sleep', '60');
      docker('network', 'create', '--label', `com.docker.compose.project=drydock-${buildId}`, `drydock-${buildId}_default`);
      docker('network', 'create', '--label', `com.docker.compose.project=${runProject}`, `${runProject}_default`);
      docker('volume', 'create', '--label', `com.docker.compose.project=${runProject}`, `${runProject}_data`);
      const otherBuild = `drydock-${buildId}1`; // another build whose id starts with this one's
      docker('network', 'create', '--label', `com.docker.compose.project=${otherBuild}`, `${otherBuild}_default`);
      expect(containersOf(buildId)).not.toBe('');

      await engine.removeBuildResources(buildId);
      await engine.removeBuildResources(buildId);

      expect(containersOf(buildId)).toBe('');
      expect(composeLeftovers(buildId)).toBe('');
      expect(docker('network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${runProject}`)).toBe('');
      expect(docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${runProject}`)).toBe('');
      expect(docker('network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${otherBuild}`)).not.toBe('');
      docker('network', 'rm', `${otherBuild}_default`);
    });
  });
});
