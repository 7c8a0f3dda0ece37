import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Build, BuildRequest } from '@drydock/core';
import type { RepoCredentials } from '@drydock/github';
import type { BuildStore } from '@drydock/store';
import { createMemoryBuildStore, FakeBuildEngines, FakeGitClient, InMemoryBuildEvents, InMemoryBuildLogs, RecordingReporter } from '@drydock/testing';
import type { PipelineDeps } from './pipeline-deps.js';
import { runBuild } from './run-build.js';

const CLONE_URL = 'https://github.com/acme/widget.git';
const REGISTRY = 'registry.test:5000';
const SECRET = 'npm-secret-value-5f2a9c';

/** runBuild on the fakes, for `.drydock.yml`'s `branches`, `paths`, `secrets` and `supersede`. */
class RulesWorld {
  readonly git = new FakeGitClient();
  readonly engines = new FakeBuildEngines();
  readonly reporter = new RecordingReporter();
  credentials: RepoCredentials = { tokenFor: async () => undefined };
  readonly logs = new InMemoryBuildLogs();
  store!: BuildStore;
  secretsDir: string | undefined;
  private closeStore!: () => Promise<void>;
  dir!: string;

  async open(): Promise<void> {
    ({ store: this.store, close: this.closeStore } = await createMemoryBuildStore());
    this.dir = await mkdtemp(path.join(tmpdir(), 'drydock-rules-'));
    this.secretsDir = path.join(this.dir, 'secrets');
    await mkdir(path.join(this.secretsDir, 'acme', 'widget'), { recursive: true });
    await writeFile(path.join(this.secretsDir, 'acme', 'widget', 'NPM_TOKEN'), `${SECRET}\n`);
  }

  async close(): Promise<void> {
    await this.closeStore();
    await rm(this.dir, { recursive: true, force: true });
  }

  get docker() {
    return this.engines.engineFor('acme/widget');
  }

  get deps(): PipelineDeps {
    const { git, engines, reporter, store, logs } = this;
    const settings = { dataDir: path.join(this.dir, 'data'), registry: REGISTRY, buildTimeoutSeconds: 3600, heartbeatMs: 20, secretsDir: this.secretsDir };
    return { git, engines, reporter, credentials: this.credentials, store, logs, events: new InMemoryBuildEvents(), queue: { enqueue: async () => undefined }, settings, warn: () => undefined };
  }

  /** A commit of `files` on the ref, stored as a queued build. */
  async run(files: Record<string, string>, overrides: Partial<BuildRequest> = {}): Promise<Build> {
    const ref = overrides.ref ?? 'refs/heads/main';
    const sha = this.git.commit(CLONE_URL, ref, files);
    const request: BuildRequest = { repo: 'acme/widget', cloneUrl: CLONE_URL, ref, sha, event: 'push', defaultBranch: 'main', ...overrides };
    const [queued] = (await this.store.createBuilds([request])).builds;
    const build = await runBuild(queued.id, this.deps, new AbortController().signal);
    if (!build) throw new Error('the build vanished');
    return build;
  }

  stepsOf(build: Build): string[] {
    return build.steps.map((s) => `${s.name}${s.image ? ` ${s.image}` : ''}: ${s.status}`);
  }

  published(): string[] {
    return [...this.docker.registry.keys()].filter((ref) => !ref.includes('/drydock-retry/')).sort();
  }
}

const monorepo = (api: string, web: string) => ({
  '.drydock.yml': [
    'images:',
    '  - name: api',
    '    dockerfile: services/api/Dockerfile',
    '    paths: ["services/api/**"]',
    '  - name: web',
    '    dockerfile: services/web/Dockerfile',
    '    paths: ["services/web/**", "!services/web/**/*.md"]',
  ].join('\n'),
  'services/api/Dockerfile': 'FROM busybox\n',
  'services/api/main.go': api,
  'services/web/Dockerfile': 'FROM busybox\n',
  'services/web/index.js': web,
});

describe('runBuild: .drydock.yml rules', () => {
  let world: RulesWorld;
  beforeEach(async () => {
    world = new RulesWorld();
    await world.open();
  });
  afterEach(() => world.close());

  describe('paths', () => {
    it('builds and pushes only the image whose files the push touched; the other reports success, skipped', async () => {
      const before = world.git.commit(CLONE_URL, 'refs/heads/main', monorepo('v1', 'v1'));
      const build = await world.run(monorepo('v2', 'v1'), { before });

      expect(build.status).toBe('success');
      expect(world.stepsOf(build)).toEqual([
        'clone: success',
        'config: success',
        'build api: success',
        'test api: success',
        'push api: success',
        'build web: skipped',
        'test web: skipped',
        'push web: skipped',
      ]);
      expect(world.git.diffs).toEqual([{ cloneUrl: CLONE_URL, from: before, to: build.sha, token: undefined }]);
      expect(world.docker.calls.filter((c) => c.op === 'build').map((c) => c.op === 'build' && c.dockerfile)).toEqual(['services/api/Dockerfile']);
      expect(world.published()).toEqual(['api', 'api', 'api'].map((name, i) => `${REGISTRY}/acme/${name}:${['latest', 'main', `sha-${build.sha?.slice(0, 7)}`][i]}`));
      expect(build.images.map((i) => i.name)).toEqual([`${REGISTRY}/acme/api`]);
      expect(world.reporter.last('drydock/web')).toMatchObject({ state: 'success', description: 'skipped: no change under services/web/**, !services/web/**/*.md' });
      expect(world.reporter.statesOf('drydock/web')).toEqual(['success', 'success']);
      expect(world.reporter.last('drydock/api')).toMatchObject({ state: 'success', description: 'Built, tested and pushed' });
      expect(world.reporter.last()).toMatchObject({ state: 'success', description: `Pushed ${REGISTRY}/acme/api:sha-${build.sha?.slice(0, 7)}` });
      const log = await world.logs.read(build.id);
      expect(log).toContain('Image web is skipped: no change under services/web/**');
      expect(log).toContain('==> build web skipped: no change under services/web/**');
    });

    it('counts a change that a `!glob` excludes as no change', async () => {
      const before = world.git.commit(CLONE_URL, 'refs/heads/main', monorepo('v1', 'v1'));
      const build = await world.run({ ...monorepo('v2', 'v1'), 'services/web/README.md': 'docs' }, { before });
      expect(world.stepsOf(build)).toContain('build web: skipped');
    });

    it('builds every image when there is nothing to compare with: a new branch, or a commit git cannot find', async () => {
      world.git.commit(CLONE_URL, 'refs/heads/main', monorepo('v1', 'v1'));
      for (const before of ['0'.repeat(40), null, 'f'.repeat(40)]) {
        const build = await world.run(monorepo('v2', 'v1'), { before });
        expect(world.stepsOf(build).filter((s) => s.startsWith('build'))).toEqual(['build api: success', 'build web: success']);
        const log = await world.logs.read(build.id);
        expect(log).toMatch(before === 'f'.repeat(40) ? /Commit f{40} \(before this change\) not found: every image is built/ : /No earlier commit to compare with/);
      }
      expect(world.git.diffs.map((d) => d.from)).toEqual(['f'.repeat(40)]);
    });

    it('with only one image, skipping it is the build\'s success, and nothing is built or pushed', async () => {
      const files = (text: string) => ({ Dockerfile: 'FROM busybox\n', 'app/x': text, 'docs/y': 'same', '.drydock.yml': 'images:\n  - paths: app/**\n' });
      const before = world.git.commit(CLONE_URL, 'refs/heads/main', files('1'));
      const build = await world.run({ ...files('1'), 'docs/y': 'changed' }, { before });
      expect(build.status).toBe('success');
      expect(world.docker.calls.filter((c) => c.op === 'build')).toEqual([]);
      expect(world.published()).toEqual([]);
      expect(world.reporter.last()).toMatchObject({ state: 'success', description: 'Skipped: no change under app/**' });
    });
  });

  describe('branches', () => {
    const config = { Dockerfile: 'FROM busybox\n', '.drydock.yml': 'images:\n  - branches: [main, "release/*"]\n' };

    it('skips the image on a branch no glob matches, without comparing anything', async () => {
      const build = await world.run(config, { ref: 'refs/heads/feature/x', before: 'a'.repeat(40) });
      expect(build.status).toBe('success');
      expect(world.stepsOf(build)).toEqual(['clone: success', 'config: success', 'build widget: skipped', 'test widget: skipped', 'push widget: skipped']);
      expect(world.reporter.last()?.description).toBe('Skipped: branch feature/x is not in branches (main, release/*)');
      expect(world.git.diffs).toEqual([]);
    });

    it('builds on a matching branch, and for a tag whatever the branches say', async () => {
      expect((await world.run(config, { ref: 'refs/heads/release/2' })).images).toHaveLength(1);
      expect((await world.run(config, { ref: 'refs/tags/v2.0.0', event: 'tag' })).images).toHaveLength(1);
    });
  });

  describe('secrets', () => {
    const files = { Dockerfile: 'FROM busybox\n', '.drydock.yml': 'images:\n  - secrets: [NPM_TOKEN]\n' };

    it('passes the named secret to the build by its file, and masks its value in the log and the error', async () => {
      world.docker.script('Dockerfile', { buildOutput: [`#7 0.21 token is ${SECRET}`], buildFails: `RUN echo ${SECRET} exited 1` });
      const build = await world.run(files);

      const call = world.docker.calls.find((c) => c.op === 'build');
      expect(call?.op === 'build' && call.secrets).toEqual([{ id: 'NPM_TOKEN', src: path.join(world.secretsDir ?? '', 'acme', 'widget', 'NPM_TOKEN') }]);
      const log = await world.logs.read(build.id);
      expect(log).toContain('Build secrets: NPM_TOKEN');
      expect(log).toContain('#7 0.21 token is ***');
      expect(log).not.toContain(SECRET);
      expect(build.status).toBe('failure');
      expect(build.error).toBe('image build failed: RUN echo *** exited 1');
      expect(JSON.stringify(world.reporter.reports)).not.toContain(SECRET);
    });

    it('fails the build naming a missing secret, before building anything', async () => {
      const build = await world.run({ ...files, '.drydock.yml': 'images:\n  - secrets: [NPM_TOKEN, SIGNING_KEY]\n' });
      expect(build).toMatchObject({ status: 'failure', error: 'build secret "SIGNING_KEY" of acme/widget is not available: there is no DRYDOCK_SECRETS_DIR/acme/widget/SIGNING_KEY' });
      expect(world.stepsOf(build)).toEqual(['clone: success', 'config: failure']);
      expect(world.docker.calls.filter((c) => c.op === 'build')).toEqual([]);
    });

    it('has none to give when DRYDOCK_SECRETS_DIR is not set', async () => {
      world.secretsDir = undefined;
      expect((await world.run(files)).error).toContain('build secret "NPM_TOKEN" of acme/widget is not available: no secrets are set up here');
    });

    it("never gives them to a fork's code: it builds without them, and the log says so", async () => {
      const throwaway = world.engines.throwawayFor('acme/widget');
      const build = await world.run(files, { ref: 'refs/pull/7/head', event: 'pull_request', fork: true });
      expect(build.status).toBe('success');
      const call = throwaway.calls.find((c) => c.op === 'build');
      expect(call?.op === 'build' && call.secrets).toEqual([]);
      expect(await world.logs.read(build.id)).toContain("Build secrets NPM_TOKEN are not given to a fork's code: it builds without them");
    });

    it('resolves no secret for an image the build skips', async () => {
      const build = await world.run({ ...files, '.drydock.yml': 'images:\n  - secrets: [MISSING]\n    branches: main\n' }, { ref: 'refs/heads/dev' });
      expect(build.status).toBe('success');
    });
  });

  describe('supersede', () => {
    it("stores what the repository's config says for the API, never what a fork's says", async () => {
      const files = (supersede: boolean) => ({ Dockerfile: 'FROM busybox\n', '.drydock.yml': `supersede: ${supersede}\n` });
      expect(await world.store.repoSettings('acme/widget')).toEqual({ supersede: true });
      await world.run(files(false));
      expect(await world.store.repoSettings('acme/widget')).toEqual({ supersede: false });
      await world.run(files(true), { ref: 'refs/pull/7/head', event: 'pull_request', fork: true });
      expect(await world.store.repoSettings('acme/widget')).toEqual({ supersede: false });
      await world.run(files(true));
      expect(await world.store.repoSettings('acme/widget')).toEqual({ supersede: true });
    });
  });
});
