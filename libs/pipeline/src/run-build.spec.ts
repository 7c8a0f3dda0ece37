import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DrydockError, isFinal, type Build, type BuildRequest } from '@drydock/core';
import type { BuildEngines } from '@drydock/docker';
import type { RepoCredentials } from '@drydock/github';
import type { BuildStore } from '@drydock/store';
import {
  createMemoryBuildStore,
  FakeBuildEngines,
  FakeDockerEngine,
  FakeGitClient,
  InMemoryBuildEvents,
  type FakeCommitText,
  InMemoryBuildLogs,
  RecordingReporter,
} from '@drydock/testing';
import type { PipelineDeps } from './pipeline-deps.js';
import { formatSeconds } from './build-run.js';
import { runBuild } from './run-build.js';

const CLONE_URL = 'https://github.com/acme/widget.git';
const REGISTRY = 'registry.test:5000';
const DOCKERFILE = 'FROM busybox\n';

/** The pipeline against the fakes of every port: no Docker, git server, Redis or database. */
class PipelineWorld {
  readonly git = new FakeGitClient();
  /** A FakeDockerEngine per repository; `docker` is acme/widget's, where most builds here run. */
  readonly engines = new FakeBuildEngines();
  readonly reporter = new RecordingReporter();
  credentials: RepoCredentials = { tokenFor: async () => undefined };
  readonly logs = new InMemoryBuildLogs();
  readonly events = new InMemoryBuildEvents();
  readonly warnings: string[] = [];
  /** Builds queued again (a run that handed its build back). */
  readonly requeued: number[] = [];
  buildTimeoutSeconds = 3600;
  store!: BuildStore;
  private closeStore!: () => Promise<void>;
  private dataDir!: string;

  async open(): Promise<void> {
    ({ store: this.store, close: this.closeStore } = await createMemoryBuildStore());
    this.dataDir = await mkdtemp(path.join(tmpdir(), 'drydock-pipeline-'));
  }

  async close(): Promise<void> {
    await this.closeStore();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  get docker(): FakeDockerEngine {
    return this.engines.engineFor('acme/widget');
  }

  get deps(): PipelineDeps {
    const { git, engines, reporter, store, logs, events } = this;
    const queue = { enqueue: async (buildId: number) => void this.requeued.push(buildId) };
    const settings = { dataDir: this.dataDir, registry: REGISTRY, buildTimeoutSeconds: this.buildTimeoutSeconds, workerId: 'test-host/1', heartbeatMs: 20 };
    return { git, engines, reporter, credentials: this.credentials, store, logs, events, queue, settings, warn: (m) => this.warnings.push(m) };
  }

  /** A commit of `files` (with `text`'s message and author) on main (or the overrides' ref), stored as a queued push build. */
  async queued(files: Record<string, string>, overrides: Partial<BuildRequest> = {}, text: FakeCommitText = {}): Promise<Build> {
    const sha = this.git.commit(CLONE_URL, overrides.ref ?? 'refs/heads/main', files, text);
    const request: BuildRequest = { repo: 'acme/widget', cloneUrl: CLONE_URL, ref: 'refs/heads/main', sha, event: 'push', defaultBranch: 'main', ...overrides };
    return (await this.store.createBuilds([request])).builds[0];
  }

  run(build: Build, signal = new AbortController().signal): Promise<Build | undefined> {
    return runBuild(build.id, this.deps, signal);
  }

  /** The run that owns the build now (see BuildStore `claim`). */
  async runOf(buildId: number) {
    return (await this.store.listUnfinished()).find((b) => b.id === buildId)?.run;
  }

  stepsOf(build: Build | undefined): string[] {
    return (build?.steps ?? []).map((s) => `${s.name}${s.image ? ` ${s.image}` : ''}: ${s.status}`);
  }

  /** What the registry holds under the contract's tags: everything but what failed builds keep for a retry. */
  published(docker = this.docker): string[] {
    return [...docker.registry.keys()].filter((ref) => !ref.includes('/drydock-retry/'));
  }
}

const twoImages = {
  '.drydock.yml': 'images:\n  - name: api\n    dockerfile: api.Dockerfile\n    test: ["exit 0"]\n  - name: web\n    dockerfile: web.Dockerfile\n    test: ["exit 0"]\n',
  'api.Dockerfile': DOCKERFILE,
  'web.Dockerfile': DOCKERFILE,
};

describe('runBuild', () => {
  let world: PipelineWorld;
  beforeEach(async () => {
    world = new PipelineWorld();
    await world.open();
  });
  afterEach(() => world.close());

  it('builds, tests and pushes every contract tag, then reports success', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["exit 0", "true"]\n' });
    const build = await world.run(queued);

    expect(build?.status).toBe('success');
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: success', 'test widget: success', 'push widget: success']);
    const sha7 = queued.sha?.slice(0, 7);
    const repository = `${REGISTRY}/acme/widget`;
    expect(build?.images).toEqual([{ name: repository, tags: [`sha-${sha7}`, 'main', 'latest'], digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    expect([...world.docker.registry.keys()].sort()).toEqual([`${repository}:latest`, `${repository}:main`, `${repository}:sha-${sha7}`]);
    expect(world.docker.trace()).toEqual([
      'build Dockerfile',
      'test exit 0',
      'test true',
      ...[`sha-${sha7}`, 'main', 'latest'].flatMap((tag) => [`tag ${repository}:${tag}`, `push ${repository}:${tag}`]),
      `remove ${queued.id}`,
    ]);
    expect(world.reporter.statesOf()).toEqual(['pending', 'success']);
    expect(world.reporter.last()?.description).toBe(`Pushed ${repository}:sha-${sha7}`);
    expect(world.docker.hasLeftovers(queued.id)).toBe(false);
    expect(world.events.published.at(-1)).toEqual({ type: 'build.finished', buildId: queued.id, status: 'success' });
  });

  it('labels the image with its source, revision and creation time', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    await world.run(queued);
    const built = world.docker.calls.find((c) => c.op === 'build');
    expect(built?.op === 'build' && built.labels).toEqual({
      'org.opencontainers.image.source': 'https://github.com/acme/widget',
      'org.opencontainers.image.revision': queued.sha,
      'org.opencontainers.image.created': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('records on the build step how many Dockerfile instructions BuildKit took from its cache', async () => {
    world.docker.script('Dockerfile', { buildOutput: ['#4 [1/3] FROM docker.io/library/busybox', '#4 CACHED', '#5 [2/3] COPY . /src', '#5 CACHED', '#6 [3/3] RUN make', '#6 DONE 0.4s'] });
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    const done = await world.run(queued);
    expect(done?.steps.find((s) => s.name === 'build')).toMatchObject({ status: 'success', cache: { cached: 1, steps: 2 } });
  });

  it('builds each repository on its own engine, held from the claim until the build is swept', async () => {
    const widget = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    const gadget = await world.run(await world.queued({ Dockerfile: DOCKERFILE }, { repo: 'acme/gadget' }));

    expect([widget?.status, gadget?.status]).toEqual(['success', 'success']);
    expect(world.docker.trace()).toContain('build Dockerfile');
    expect(world.engines.engineFor('acme/gadget').trace()).toEqual(expect.arrayContaining(['build Dockerfile', `remove ${gadget?.id}`]));
    expect(world.engines.engineFor('acme/gadget').registry.size).toBeGreaterThan(0);
    expect(world.engines.held()).toEqual({});
    expect(world.engines.events.filter((e) => e.op === 'acquire' || e.op === 'release')).toEqual([
      { op: 'acquire', repo: 'acme/widget' },
      { op: 'release', repo: 'acme/widget' },
      { op: 'acquire', repo: 'acme/gadget' },
      { op: 'release', repo: 'acme/gadget' },
    ]);
  });

  it('ends as error when the repository\'s engine does not start, and runs no step', async () => {
    world.engines.failingStarts.set('acme/widget', 'engine for acme/widget did not start: dockerd exited');
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    const build = await world.run(queued);

    expect(build).toMatchObject({ status: 'error', error: 'engine for acme/widget did not start: dockerd exited' });
    expect(world.stepsOf(build)).toEqual(['clone: skipped', 'config: skipped']);
    expect(world.reporter.last()).toMatchObject({ state: 'error' });
    expect(world.engines.held()).toEqual({});
  });

  it('ends as cancelled when cancelled while every engine is busy, holding none', async () => {
    const engines = new FakeBuildEngines(1);
    const held = await engines.acquire({ repo: 'acme/other' });
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    const cancel = new AbortController();
    const running = runBuild(queued.id, { ...world.deps, engines }, cancel.signal);
    await until(() => engines.events.some((e) => e.op === 'acquire' && e.repo === 'acme/widget'));
    await world.store.transition(queued.id, ['running'], { status: 'cancelled', error: 'Cancelled' });
    cancel.abort();
    const build = await running;

    expect(build?.status).toBe('cancelled');
    expect(world.stepsOf(build)).toEqual(['clone: cancelled', 'config: cancelled']);
    expect(engines.held()).toEqual({ 'acme/other': 1 });
    held.release();
  });

  describe('a fork\'s code', () => {
    const fromFork: Partial<BuildRequest> = { ref: 'refs/pull/7/head', event: 'pull_request', fork: true };

    it('is built and tested on a throwaway engine, never pushed, and the log says why', async () => {
      const throwaway = world.engines.throwawayFor('acme/widget');
      const queued = await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["exit 0"]\n' }, fromFork);
      const build = await world.run(queued);

      expect(build).toMatchObject({ status: 'success', fork: true, images: [], error: null });
      expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: success', 'test widget: success', 'push widget: skipped']);
      expect(throwaway.trace()).toEqual(['build Dockerfile', 'test exit 0', `remove ${queued.id}`]);
      expect(throwaway.registry.size).toBe(0);
      expect(world.engines.events.filter((e) => e.op === 'acquire')).toEqual([{ op: 'acquire', repo: 'acme/widget', ephemeral: true }]);
      expect(world.engines.events.filter((e) => !e.ephemeral)).toEqual([]); // the repository's own engine never started
      expect(world.engines.held()).toEqual({});
      expect(world.reporter.statesOf()).toEqual(['pending', 'success']);
      expect(world.reporter.last()?.description).toBe('Built and tested, not pushed: the code comes from a fork');
      const log = await world.logs.read(queued.id);
      expect(log).toContain('throwaway engine');
      expect(log).toContain('==> push widget skipped: the code comes from a fork');
    });

    it('skips the push of every image', async () => {
      const build = await world.run(await world.queued(twoImages, fromFork));
      expect(build?.status).toBe('success');
      expect(world.stepsOf(build).filter((s) => s.startsWith('push'))).toEqual(['push api: skipped', 'push web: skipped']);
      expect(build?.images).toEqual([]);
      for (const context of ['drydock/api', 'drydock/web']) {
        expect(world.reporter.last(context)).toMatchObject({ state: 'success', description: 'Built and tested, not pushed: the code comes from a fork' });
      }
    });

    it('ends as error, running no step, when the pool cannot give a throwaway engine', async () => {
      const requests: unknown[] = [];
      const engines: BuildEngines = {
        acquire: async (request) => {
          requests.push({ repo: request.repo, ephemeral: request.ephemeral });
          throw new DrydockError('forbidden', 'this worker has no throwaway engines for a fork\'s code');
        },
        stopAll: async () => undefined,
      };
      const queued = await world.queued({ Dockerfile: DOCKERFILE }, fromFork);
      const build = await runBuild(queued.id, { ...world.deps, engines }, new AbortController().signal);

      expect(requests).toEqual([{ repo: 'acme/widget', ephemeral: true }]);
      expect(build).toMatchObject({ status: 'error', error: 'this worker has no throwaway engines for a fork\'s code' });
      expect(world.stepsOf(build)).toEqual(['clone: skipped', 'config: skipped']);
      expect(world.git.checkouts).toEqual([]);
    });

    it('is not a pull request from the repository itself: that one is built on the repository\'s engine and pushed', async () => {
      await world.run(await world.queued({ Dockerfile: DOCKERFILE }, { ref: 'refs/pull/8/head', event: 'pull_request' }));
      expect(world.engines.events.filter((e) => e.op === 'acquire')).toEqual([{ op: 'acquire', repo: 'acme/widget' }]);
      expect(world.docker.registry.size).toBeGreaterThan(0);
    });
  });

  it('pushes nothing when a test fails, and reports failure naming the command', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["exit 0", "exit 3", "exit 0"]\n' });
    const build = await world.run(queued);

    expect(build).toMatchObject({ status: 'failure', error: 'Test failed: "exit 3" exited with 3', images: [] });
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: success', 'test widget: failure', 'push widget: skipped']);
    expect(world.docker.trace().filter((op) => /^(tag|push|test)/.test(op) && !op.includes('/drydock-retry/'))).toEqual(['test exit 0', 'test exit 3']);
    expect(world.published()).toEqual([]);
    expect(world.reporter.last()).toMatchObject({ state: 'failure', description: 'Test failed: "exit 3" exited with 3' });
    expect(await world.logs.read(queued.id)).toContain('[drydock] build failed: Test failed: "exit 3" exited with 3');
  });

  it('fails a broken Dockerfile as the user\'s failure, with the build output in the log', async () => {
    world.docker.script('Dockerfile', { buildOutput: ['#5 [2/2] RUN make', 'make: *** no rule'], buildFails: 'RUN make exited with 2' });
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build).toMatchObject({ status: 'failure', error: 'image build failed: RUN make exited with 2' });
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: failure', 'test widget: skipped', 'push widget: skipped']);
    expect(await world.logs.read(build!.id)).toContain('make: *** no rule');
  });

  it('ends error, not failure, when the registry is down', async () => {
    world.docker.downRegistries.add(REGISTRY);
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build?.status).toBe('error');
    expect(build?.error).toMatch(new RegExp(`^push of ${REGISTRY}/acme/widget:sha-[0-9a-f]{7} failed: dial tcp ${REGISTRY}: connect: connection refused$`));
    expect(world.stepsOf(build).slice(-1)).toEqual(['push widget: error']);
    expect(world.reporter.last()?.state).toBe('error');
  });

  it('fails an invalid .drydock.yml naming the field, before building anything', async () => {
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - dockerfile: 42\n    tset: [x]\n' }));
    expect(build?.status).toBe('failure');
    expect(build?.error).toMatch(/^\.drydock\.yml: images\[0\]\./);
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: failure']);
    expect(world.docker.calls.filter((c) => c.op === 'build')).toEqual([]);
  });

  it('refuses a compose test file whose build context climbs out before building anything', async () => {
    const compose = 'services:\n  sut:\n    build: ../../..\n';
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE, 'docker-compose.test.yml': compose }));
    expect(build?.status).toBe('failure');
    expect(build?.error).toMatch(/^docker-compose\.test\.yml: services\.sut\.build\.context: .* is outside the repository/);
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: failure']);
    expect(world.docker.calls.filter((c) => c.op === 'build' || c.op === 'compose')).toEqual([]);
  });

  it('ends error when the repository cannot be cloned', async () => {
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }, { cloneUrl: 'https://github.com/acme/gone.git' }));
    expect(build).toMatchObject({ status: 'error', error: expect.stringContaining('repository not found') });
    expect(world.stepsOf(build)).toEqual(['clone: error', 'config: skipped']);
  });

  it('builds and tests every image before pushing any, each reporting to its own context', async () => {
    const build = await world.run(await world.queued(twoImages));
    expect(build?.status).toBe('success');
    expect(world.docker.trace().map((op) => op.split(' ')[0] + (op.includes('web') ? ' web' : op.includes('api') ? ' api' : ''))).toEqual([
      'build api',
      'test',
      'build web',
      'test',
      ...Array(3).fill(['tag api', 'push api']).flat(),
      ...Array(3).fill(['tag web', 'push web']).flat(),
      'remove',
    ]);
    expect(build?.images.map((i) => i.name)).toEqual([`${REGISTRY}/acme/api`, `${REGISTRY}/acme/web`]);
    expect(world.reporter.statesOf('drydock/api')).toEqual(['pending', 'success']);
    expect(world.reporter.statesOf('drydock/web')).toEqual(['pending', 'success']);
  });

  it('with several images, one failing image fails its context and leaves the other unpushed', async () => {
    world.docker.script('web.Dockerfile', { testExitCodes: { 'exit 0': 1 } });
    const build = await world.run(await world.queued(twoImages));
    expect(build?.status).toBe('failure');
    expect(world.published()).toEqual([]);
    expect(world.reporter.last('drydock/web')).toMatchObject({ state: 'failure', description: expect.stringMatching(/^test failed: /) });
    expect(world.reporter.last('drydock/api')).toMatchObject({ state: 'failure', description: expect.stringMatching(/^Not pushed: /) });
    expect(world.stepsOf(build)).toContain('push api: skipped');
  });

  it('does nothing for a build cancelled before a worker claimed it', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    await world.store.transition(queued.id, ['queued'], { status: 'cancelled', error: 'Cancelled' });
    const build = await world.run(queued);
    expect(build?.status).toBe('cancelled');
    expect(world.git.checkouts).toEqual([]);
    expect(world.docker.calls).toEqual([]);
    expect(world.reporter.reports).toEqual([]);
  });

  it('does nothing for a build another run already finished (a claim it lost)', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    await world.store.transition(queued.id, ['queued'], { status: 'success' });
    const build = await world.run(queued);
    expect(build?.status).toBe('success');
    expect(world.docker.calls).toEqual([]);
    expect(world.events.published).toEqual([]);
  });

  it('stops in the middle of a step when cancelled, sweeps its containers and reports Cancelled', async () => {
    world.docker.script('Dockerfile', { buildDelayMs: 60_000 });
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    const cancel = new AbortController();
    const running = world.run(queued, cancel.signal);
    await until(() => world.docker.calls.some((c) => c.op === 'build'));
    // As the API does: the stored status first, then the worker's signal.
    await world.store.transition(queued.id, ['running'], { status: 'cancelled', error: 'Cancelled' });
    cancel.abort();
    const build = await running;

    expect(build?.status).toBe('cancelled');
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: cancelled', 'test widget: cancelled', 'push widget: cancelled']);
    expect(world.docker.hasLeftovers(queued.id)).toBe(false);
    expect(world.docker.registry.size).toBe(0);
    expect(world.reporter.last()).toMatchObject({ state: 'error', description: 'Cancelled' });
    expect(await world.logs.read(queued.id)).toContain('[drydock] build cancelled');
  });

  it('ends a hung test at the repository\'s timeout as error, with its containers swept', async () => {
    world.docker.script('Dockerfile', { testDelayMs: 60_000 });
    const queued = await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'timeout: 1\nimages:\n  - test: ["sleep infinity"]\n' });
    const build = await world.run(queued);
    expect(build).toMatchObject({ status: 'error', error: 'timed out after 1s' });
    expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: success', 'test widget: error', 'push widget: skipped']);
    expect(world.docker.hasLeftovers(queued.id)).toBe(false);
    expect(world.reporter.last()).toMatchObject({ state: 'error', description: 'timed out after 1s' });
  });

  it('lets a repository shorten the build timeout but not lengthen it', async () => {
    world.buildTimeoutSeconds = 1;
    world.docker.script('Dockerfile', { buildDelayMs: 60_000 });
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'timeout: 10m\n' }));
    expect(build).toMatchObject({ status: 'error', error: 'timed out after 1s' });
  });

  it('stores the whole log before the final status is visible', async () => {
    const seen: string[] = [];
    const store = world.store;
    world.store = Object.assign(Object.create(store) as BuildStore, {
      transition: async (...args: Parameters<BuildStore['transition']>) => {
        if (args[2].status && isFinal(args[2].status)) seen.push(await world.logs.read(args[0]));
        return store.transition(...args);
      },
    });
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build?.status).toBe('success');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('==> push widget done');
    expect(seen[0]).toMatch(/\[drydock\] Pushed .*\n$/);
  });

  it('still finishes the build when GitHub refuses every report, and says so in the log', async () => {
    world.reporter.refuseWith = 'HTTP 502';
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build?.status).toBe('success');
    expect(await world.logs.read(build!.id)).toContain('could not report "pending" to GitHub: HTTP 502');
  });

  describe('tags', () => {
    const release = async (version: string) => {
      const sha = world.git.commit(CLONE_URL, `refs/tags/v${version}`, { Dockerfile: DOCKERFILE });
      const request: BuildRequest = { repo: 'acme/widget', cloneUrl: CLONE_URL, ref: `refs/tags/v${version}`, sha, event: 'tag', defaultBranch: 'main' };
      const [queued] = (await world.store.createBuilds([request])).builds;
      return world.run(queued);
    };

    it('never moves 1 or 1.2 back when an older release is tagged after a newer one', async () => {
      expect((await release('1.3.0'))?.images[0].tags).toEqual(['1.3.0', '1.3', '1', expect.stringMatching(/^sha-/)]);
      expect((await release('1.2.9'))?.images[0].tags).toEqual(['1.2.9', '1.2', expect.stringMatching(/^sha-/)]);
      expect((await release('1.3.1'))?.images[0].tags).toEqual(['1.3.1', '1.3', '1', expect.stringMatching(/^sha-/)]);
    });

    it('tags a branch that looks like a release branch-<slug>, and a config name stays under the owner', async () => {
      const sha = world.git.commit(CLONE_URL, 'refs/heads/1.2.3', { Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - name: otherorg/api\n' });
      const request: BuildRequest = { repo: 'acme/widget', cloneUrl: CLONE_URL, ref: 'refs/heads/1.2.3', sha, event: 'push', defaultBranch: 'main' };
      const build = await world.run((await world.store.createBuilds([request])).builds[0]);
      expect(build?.images).toEqual([{ name: `${REGISTRY}/acme/otherorg/api`, tags: [`sha-${sha.slice(0, 7)}`, 'branch-1.2.3'], digest: expect.any(String) }]);
    });
  });
});

describe("runBuild: the commit's title and author", () => {
  let world: PipelineWorld;
  beforeEach(async () => {
    world = new PipelineWorld();
    await world.open();
  });
  afterEach(() => world.close());

  const commit = { message: 'Teach the widget to fly\n\nIt had wings all along.\n', author: { name: 'Ada Lovelace', email: 'ada@example.com' } };
  const manual: Partial<BuildRequest> = { sha: null, event: 'manual', triggeredBy: 'api' };

  it('takes them from the checkout for a build whose trigger gave none (a manual build), without the email', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE }, manual, commit);
    expect(queued).toMatchObject({ title: null, author: null });

    const build = await world.run(queued);
    expect(build?.status).toBe('success');
    expect(build).toMatchObject({ title: 'Teach the widget to fly', author: { name: 'Ada Lovelace', login: null, avatarUrl: null }, triggeredBy: 'api' });
    const tip = await world.git.resolveCommit({ cloneUrl: CLONE_URL, ref: 'refs/heads/main', sha: null, signal: new AbortController().signal });
    expect(build?.sha).toBe(tip.sha); // learned in the same write
    expect(JSON.stringify(await world.store.get(queued.id))).not.toContain('ada@example.com');
  });

  it('keeps the title and author a webhook gave, filling only what it left out', async () => {
    const octocat = { name: 'The Octocat', login: 'octocat', avatarUrl: 'https://avatars.githubusercontent.com/u/583231' };
    const both = await world.run(await world.queued({ Dockerfile: DOCKERFILE }, { title: 'Fly, widget', author: octocat }, commit));
    expect(both).toMatchObject({ status: 'success', title: 'Fly, widget', author: octocat });

    const titleOnly = await world.run(await world.queued({ Dockerfile: DOCKERFILE }, { title: 'Fly, widget', author: null }, commit));
    expect(titleOnly).toMatchObject({ status: 'success', title: 'Fly, widget', author: { name: 'Ada Lovelace', login: null, avatarUrl: null } });
  });

  it('stores them cleaned of escape codes and control characters', async () => {
    const hostile = {
      message: '\u001b[2J\u001b[1;31mFix\u001b[0m the\u0007 \u001b]0;pwned\u0007build\r\n\nbody',
      author: { name: 'Eve\u001b[8m \u202eMallory', email: 'eve@example.com' },
    };
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }, manual, hostile));
    expect(build).toMatchObject({ status: 'success', title: 'Fix the build', author: { name: 'Eve Mallory', login: null, avatarUrl: null } });
  });

  it('leaves them null when the commit has no subject or author name to show', async () => {
    const blank = { message: '\u001b[0m\n\t\n', author: { name: '\u0007', email: 'x@example.com' } };
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }, manual, blank));
    expect(build).toMatchObject({ status: 'success', title: null, author: null });
  });
});

describe('runBuild: run ownership', () => {
  let world: PipelineWorld;
  beforeEach(async () => {
    world = new PipelineWorld();
    await world.open();
  });
  afterEach(() => world.close());

  const slowTest = { Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["sleep 60"]\n' };

  it('stops at once when another run takes the build over, and writes, pushes, sweeps and reports nothing more', async () => {
    world.docker.script('Dockerfile', { testDelayMs: 60_000 });
    const queued = await world.queued(slowTest);
    const running = world.run(queued);
    await until(() => world.docker.calls.some((c) => c.op === 'test'));
    const lost = await world.runOf(queued.id);
    expect(lost).toMatchObject({ attempt: 1, owner: 'test-host/1' });
    const before = await world.store.get(queued.id);
    await world.store.takeOver(queued.id, lost!.runId, { runId: 'the-new-owner', owner: 'other-host/2' });

    const seen = await running;
    expect(seen).toMatchObject({ status: 'running' });
    expect(await world.store.get(queued.id)).toEqual(before); // not a step closed, no final status
    expect(world.docker.registry.size).toBe(0);
    expect(world.docker.trace().filter((op) => /^(push|remove)/.test(op))).toEqual([]);
    expect(world.reporter.statesOf()).toEqual(['pending']);
    expect(world.logs.isClosed(queued.id)).toBe(false);
    expect(await world.logs.archive.read(queued.id)).toBeUndefined();
    expect(world.engines.held()).toEqual({});
    expect(world.requeued).toEqual([]);
    expect(world.events.published.some((e) => e.type === 'build.finished')).toBe(false);
  });

  it('pushes nothing when the build was taken over just before the push', async () => {
    const store = world.store;
    let takenOver = false;
    world.store = Object.assign(Object.create(store) as BuildStore, {
      updateRun: async (...args: Parameters<BuildStore['updateRun']>) => {
        if (!takenOver && world.docker.calls.some((c) => c.op === 'tag')) {
          takenOver = true;
          await store.takeOver(args[0], args[1], { runId: 'the-new-owner', owner: 'other-host/2' });
        }
        return store.updateRun(...args);
      },
    });
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    const seen = await world.run(queued);

    expect(takenOver).toBe(true);
    expect(seen?.status).toBe('running');
    expect(world.docker.calls.filter((c) => c.op === 'push')).toEqual([]);
    expect(world.docker.registry.size).toBe(0);
    expect(world.reporter.statesOf()).toEqual(['pending']);
  });

  it('hands the build back when the worker shuts down: queued again with a fresh job, and the next run continues its log', async () => {
    world.docker.script('Dockerfile', { testDelayMs: 60_000 });
    const queued = await world.queued(slowTest);
    const handBack = new AbortController();
    const running = runBuild(queued.id, world.deps, new AbortController().signal, { handBack: handBack.signal });
    await until(() => world.docker.calls.some((c) => c.op === 'test'));
    handBack.abort();
    const handedBack = await running;

    expect(handedBack).toMatchObject({ status: 'queued', steps: [], startedAt: null });
    expect(await world.runOf(queued.id)).toEqual({ runId: null, owner: null, attempt: 1, heartbeatAt: null });
    expect(world.requeued).toEqual([queued.id]);
    expect(world.docker.registry.size).toBe(0);
    expect(world.reporter.statesOf()).toEqual(['pending']);
    expect(world.logs.text(queued.id)).toContain('[drydock] handed back: worker shutting down');
    expect(world.logs.isClosed(queued.id)).toBe(false);
    expect(world.engines.held()).toEqual({});

    world.docker.script('Dockerfile', {});
    const second = await world.run(queued);
    expect(second).toMatchObject({ status: 'success' });
    const log = (await world.logs.archive.read(queued.id)) ?? '';
    expect(log.indexOf('[drydock] handed back: worker shutting down')).toBeLessThan(log.indexOf('[drydock] attempt 2: run '));
    expect(log).toMatch(/\[drydock\] Pushed .*\n$/);
    expect(world.reporter.statesOf()).toEqual(['pending', 'pending', 'success']);
  });

  it('stops and hands the build back when the queue loses its lock on the job', async () => {
    world.docker.script('Dockerfile', { buildDelayMs: 60_000 });
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    const lockLost = new AbortController();
    const running = runBuild(queued.id, world.deps, new AbortController().signal, { lockLost: lockLost.signal });
    await until(() => world.docker.calls.some((c) => c.op === 'build'));
    lockLost.abort();
    expect(await running).toMatchObject({ status: 'queued' });
    expect(world.logs.text(queued.id)).toContain("[drydock] handed back: the queue lost this worker's lock on the job");
    expect(world.requeued).toEqual([queued.id]);
  });

  it('claims only a queued build: a build another run is running is left alone', async () => {
    const queued = await world.queued({ Dockerfile: DOCKERFILE });
    await world.store.claim(queued.id, { runId: 'elsewhere', owner: 'other-host/2' }, {}, 1);
    expect(await world.run(queued)).toMatchObject({ status: 'running' });
    expect(world.docker.calls).toEqual([]);
    expect((await world.runOf(queued.id))?.runId).toBe('elsewhere');
  });

  it('still cleans up and ends the build when storing its closed steps fails', async () => {
    const store = world.store;
    world.store = Object.assign(Object.create(store) as BuildStore, {
      updateRun: async (...args: Parameters<BuildStore['updateRun']>) => {
        if (args[2].steps?.some((s) => s.status === 'skipped')) throw new Error('database is locked');
        return store.updateRun(...args);
      },
    });
    const queued = await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["exit 3"]\n' });
    const build = await world.run(queued);

    expect(build).toMatchObject({ status: 'failure' });
    expect(world.docker.hasLeftovers(queued.id)).toBe(false);
    expect(world.engines.held()).toEqual({});
    expect(world.logs.isClosed(queued.id)).toBe(true);
    expect(world.warnings).toEqual([expect.stringContaining('steps not closed: database is locked')]);
  });
});

describe('runBuild: a step that failed for a reason outside the build', () => {
  let world: PipelineWorld;
  beforeEach(async () => {
    world = new PipelineWorld();
    await world.open();
  });
  afterEach(() => world.close());

  const ONCE_MORE = /failed for a reason outside the build .*; trying it once more/;
  const contractPushes = (docker: FakeDockerEngine) => docker.trace().filter((op) => op.startsWith('push ') && !op.includes('/drydock-retry/'));

  it('runs a push once more when the registry was unavailable, and the build succeeds', async () => {
    world.docker.failNextPushes(REGISTRY, 1);
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build?.status).toBe('success');
    expect(world.stepsOf(build).at(-1)).toBe('push widget: success');
    const log = await world.logs.read(build!.id);
    expect(log).toMatch(new RegExp(`\\[drydock\\] push widget failed for a reason outside the build \\(push of ${REGISTRY}/acme/widget:sha-[0-9a-f]{7} failed: dial tcp ${REGISTRY}: connect: connection refused\\); trying it once more`));
    expect(contractPushes(world.docker)).toHaveLength(1 + 3);
    expect(world.published()).toHaveLength(3);
  });

  it('ends error with the registry\'s message when it is still down the second time', async () => {
    world.docker.downRegistries.add(REGISTRY);
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build).toMatchObject({ status: 'error', error: expect.stringContaining('connect: connection refused') });
    expect((await world.logs.read(build!.id)).match(new RegExp(ONCE_MORE, 'g'))).toHaveLength(1);
    expect(contractPushes(world.docker)).toHaveLength(2);
  });

  it('never tries a push the registry refused again', async () => {
    world.docker.refusingRegistries.add(REGISTRY);
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build).toMatchObject({ status: 'error', error: expect.stringContaining('denied: requested access to the resource is denied') });
    expect(await world.logs.read(build!.id)).not.toMatch(ONCE_MORE);
    expect(contractPushes(world.docker)).toHaveLength(1);
  });

  it('never runs a failing test or a broken Dockerfile again', async () => {
    const failing = await world.run(await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["exit 3"]\n' }));
    expect(failing?.status).toBe('failure');
    expect(world.docker.trace().filter((op) => op === 'test exit 3')).toHaveLength(1);
    world.docker.script('Dockerfile', { buildFails: 'RUN make exited with 2' });
    const broken = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(broken?.status).toBe('failure');
    expect(world.docker.calls.filter((c) => c.op === 'build' && c.buildId === broken!.id)).toHaveLength(1);
    for (const build of [failing, broken]) expect(await world.logs.read(build!.id)).not.toMatch(ONCE_MORE);
  });

  it('clones once more after a network error', async () => {
    const checkout = world.git.checkout.bind(world.git);
    let failures = 1;
    world.git.checkout = async (options) => {
      if (failures-- > 0) throw new DrydockError('unavailable', `git failed for ${CLONE_URL}: fatal: unable to access '${CLONE_URL}/': Could not resolve host: github.com`);
      return checkout(options);
    };
    const build = await world.run(await world.queued({ Dockerfile: DOCKERFILE }));
    expect(build?.status).toBe('success');
    expect(world.git.checkouts).toHaveLength(1);
    expect(await world.logs.read(build!.id)).toContain('[drydock] clone failed for a reason outside the build (git failed for');
  });
});

describe('runBuild: retry from the failed step', () => {
  let world: PipelineWorld;
  beforeEach(async () => {
    world = new PipelineWorld();
    await world.open();
  });
  afterEach(() => world.close());

  const keptAt = (build: Build, image: string) => `${REGISTRY}/drydock-retry/acme/widget/${image}:build-${build.id}`;

  /** A retry of `failed` as the API makes it: same repository, ref and commit. */
  async function retryOf(failed: Build): Promise<Build> {
    const { repo, cloneUrl, ref, sha, defaultBranch, fork } = failed;
    const request: BuildRequest = { repo, cloneUrl, ref, sha, defaultBranch, fork, event: 'rebuild', rebuildOf: failed.id, retryOf: failed.id };
    return (await world.store.createBuilds([request])).builds[0];
  }

  /** A build whose push failed (the registry down for both tries), so it kept its tested image for a retry. */
  async function failedAtPush(files: Record<string, string> = { Dockerfile: DOCKERFILE }): Promise<Build> {
    world.docker.failNextPushes(REGISTRY, 2);
    const failed = await world.run(await world.queued(files));
    expect(failed?.status).toBe('error');
    return failed!;
  }

  it('keeps the images of a build that failed at push, and its retry pushes them without building or testing again', async () => {
    const failed = await failedAtPush();
    expect(failed.keptImages).toEqual([{ image: 'widget', reference: keptAt(failed, 'widget'), digest: expect.stringMatching(/^sha256:/), builtBy: failed.id, tested: true }]);
    expect(world.published()).toEqual([]);
    expect(world.docker.hasLeftovers(failed.id)).toBe(false);
    const [{ digest }] = failed.keptImages;

    const retry = await world.run(await retryOf(failed));

    expect(retry).toMatchObject({ status: 'success', retryOf: failed.id, sha: failed.sha });
    expect(world.stepsOf(retry)).toEqual(['clone: success', 'config: success', 'build widget: skipped', 'test widget: skipped', 'push widget: success']);
    const ops = world.docker.calls.filter((c) => 'buildId' in c && c.buildId === retry!.id).map((c) => c.op);
    expect(ops).not.toContain('build');
    expect(ops).not.toContain('test');
    expect(world.docker.trace()).toContain(`pull ${REGISTRY}/drydock-retry/acme/widget/widget@${digest}`);
    expect(retry?.images[0].digest).toBe(digest);
    const log = await world.logs.read(retry!.id);
    expect(log).toContain(`==> build widget skipped: reused image built by build ${failed.id} (${digest})`);
    expect(log).toContain(`==> test widget skipped: its tests passed in build ${failed.id}`);
    expect(world.docker.hasLeftovers(retry!.id)).toBe(false);
    expect(world.reporter.last()).toMatchObject({ state: 'success' });
  });

  it('runs tests that failed again, on the image the failed build made', async () => {
    world.docker.script('Dockerfile', { testExitCodes: { './flaky-check': 1 } });
    const failed = await world.run(await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["./flaky-check"]\n' }));
    expect(failed).toMatchObject({ status: 'failure', keptImages: [expect.objectContaining({ image: 'widget', tested: false })] });

    const retry = await world.run(await retryOf(failed!));

    expect(retry?.status).toBe('success');
    expect(world.stepsOf(retry).slice(2)).toEqual(['build widget: skipped', 'test widget: success', 'push widget: success']);
    expect(world.docker.calls.filter((c) => c.op === 'test' && c.buildId === retry!.id)).toEqual([
      expect.objectContaining({ command: './flaky-check', image: expect.stringMatching(new RegExp(`^drydock/b${retry!.id}-`)) }),
    ]);
  });

  it('starts at the failed step of each image: one passed its tests, the other failed them', async () => {
    world.docker.script('web.Dockerfile', { testExitCodes: { 'exit 0': 1 } });
    const failed = await world.run(await world.queued(twoImages));
    expect(failed?.keptImages.map((k) => [k.image, k.tested])).toEqual([
      ['api', true],
      ['web', false],
    ]);
    world.docker.script('web.Dockerfile', {});
    const retry = await world.run(await retryOf(failed!));
    expect(retry?.status).toBe('success');
    expect(world.stepsOf(retry).slice(2)).toEqual([
      'build api: skipped',
      'test api: skipped',
      'push api: success',
      'build web: skipped',
      'test web: success',
      'push web: success',
    ]);
  });

  it('builds an image again when the kept one cannot be pulled, and says why', async () => {
    const failed = await failedAtPush();
    world.docker.registry.delete(failed.keptImages[0].reference);
    const retry = await world.run(await retryOf(failed));
    expect(retry?.status).toBe('success');
    expect(world.stepsOf(retry).slice(2)).toEqual(['build widget: success', 'test widget: success', 'push widget: success']);
    expect(await world.logs.read(retry!.id)).toContain(`[drydock] could not reuse the image built by build ${failed.id} (pull of`);
  });

  it('a retry that fails again keeps what it reused, so the next retry still starts where they failed', async () => {
    const failed = await failedAtPush();
    world.docker.failNextPushes(REGISTRY, 2);
    const again = await world.run(await retryOf(failed));
    expect(again?.status).toBe('error');
    expect(again?.keptImages).toEqual(failed.keptImages);
    const third = await world.run(await retryOf(again!));
    expect(third?.status).toBe('success');
    expect(await world.logs.read(third!.id)).toContain(`reused image built by build ${failed.id} (${failed.keptImages[0].digest})`);
  });

  it("keeps nothing of a fork's code, and its retry builds everything again", async () => {
    world.engines.throwawayFor('acme/widget').script('Dockerfile', { testExitCodes: { 'exit 0': 1 } });
    const fork = { ref: 'refs/pull/7/head', event: 'pull_request' as const, fork: true };
    const failed = await world.run(await world.queued({ Dockerfile: DOCKERFILE, '.drydock.yml': 'images:\n  - test: ["exit 0"]\n' }, fork));
    expect(failed).toMatchObject({ status: 'failure', keptImages: [] });
    const retry = await world.run(await retryOf(failed!));
    expect(retry).toMatchObject({ status: 'success', fork: true });
    expect(world.stepsOf(retry).slice(2)).toEqual(['build widget: success', 'test widget: success', 'push widget: skipped']);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}


describe('formatSeconds', () => {
  it('says a duration as people write it', () => {
    expect([15, 60, 90, 600, 3600, 5400, 0].map(formatSeconds)).toEqual(['15s', '1m', '1m30s', '10m', '1h', '1h30m', '0s']);
  });
});
