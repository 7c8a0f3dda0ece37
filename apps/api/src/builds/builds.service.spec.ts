import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '@drydock/core';
import type { BuildQueue } from '@drydock/queue';
import type { BuildStore } from '@drydock/store';
import { createMemoryBuildStore, FakeGitClient, InMemoryBuildEvents, RecordingReporter, rejectionOf } from '@drydock/testing';
import { BuildsService } from './builds.service.js';

/** The queue as BuildsService uses it, recording what it was asked. */
class RecordingQueue implements Pick<BuildQueue, 'enqueue' | 'withdraw' | 'requestCancel'> {
  readonly calls: string[] = [];
  async enqueue(buildId: number): Promise<void> {
    this.calls.push(`enqueue ${buildId}`);
  }
  async withdraw(buildId: number): Promise<void> {
    this.calls.push(`withdraw ${buildId}`);
  }
  async requestCancel(buildId: number): Promise<void> {
    this.calls.push(`cancel ${buildId}`);
  }
}

const push = (sha = 'a'.repeat(40)): BuildRequest => ({
  repo: 'acme/widget',
  cloneUrl: 'https://github.com/acme/widget.git',
  ref: 'refs/heads/main',
  sha,
  event: 'push',
  defaultBranch: 'main',
});

describe('BuildsService', () => {
  let store: BuildStore;
  let close: () => Promise<void>;
  let queue: RecordingQueue;
  let reporter: RecordingReporter;
  let events: InMemoryBuildEvents;
  let git: FakeGitClient;
  let service: BuildsService;
  const config = { allowedRepos: ['git.internal:8443/team/*'], github: { apiUrl: 'https://api.github.com', token: 'ghp_example' } };

  beforeEach(async () => {
    ({ store, close } = await createMemoryBuildStore());
    queue = new RecordingQueue();
    reporter = new RecordingReporter();
    events = new InMemoryBuildEvents();
    git = new FakeGitClient();
    service = new BuildsService(store, reporter, queue as unknown as BuildQueue, events, git, config);
  });
  afterEach(() => close());

  it('stores, reports pending and queues a build once per delivery', async () => {
    const first = await service.create([push()], 'delivery-1');
    const again = await service.create([push()], 'delivery-1');
    expect(again).toEqual({ builds: first.builds, duplicate: true });
    expect(queue.calls).toEqual([`enqueue ${first.builds[0].id}`]);
    expect(reporter.reports.map((r) => `${r.state} ${r.description}`)).toEqual(['pending Queued']);
  });

  it('resolves a trigger by owner/name through the clone URL its webhooks gave', async () => {
    await service.create([push()]);
    await service.create([{ ...push(), cloneUrl: 'https://elsewhere.example/acme/widget.git', event: 'manual' }]);
    const triggered = await service.trigger({ repo: 'acme/widget', ref: 'release' });
    expect(triggered).toMatchObject({ repo: 'acme/widget', cloneUrl: 'https://github.com/acme/widget.git', ref: 'refs/heads/release', event: 'manual', defaultBranch: 'main' });
    expect(await service.trigger({ repo: 'acme/widget' })).toMatchObject({ ref: 'refs/heads/main' });
  });

  it('builds no repository by owner/name that no webhook named, not even one built by URL before', async () => {
    await service.trigger({ repo: 'https://git.internal:8443/team/tool.git', ref: 'main' });
    const err = await rejectionOf(service.trigger({ repo: 'team/tool', ref: 'main' }));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('DRYDOCK_ALLOWED_REPOS');
  });

  it('accepts a git URL only when it is the known one or DRYDOCK_ALLOWED_REPOS allows it', async () => {
    await service.create([push()]);
    expect(await service.trigger({ repo: 'https://github.com/acme/widget', ref: 'main' })).toMatchObject({ repo: 'acme/widget', event: 'manual' });
    expect(await service.trigger({ repo: 'https://GIT.internal:8443/team/tool.git', ref: 'main' })).toMatchObject({ repo: 'team/tool', event: 'manual' });
    for (const repo of ['https://evil.example/acme/widget.git', 'https://git.internal/team/tool.git', 'https://git.internal:8443/other/tool.git', 'https://git.internal:8443/team/sub/tool.git']) {
      const err = await rejectionOf(service.trigger({ repo, ref: 'main' }));
      expect(err.code).toBe('forbidden');
      expect(err.message).toContain('DRYDOCK_ALLOWED_REPOS');
    }
    expect(queue.calls).toHaveLength(3);
  });

  it('stores a clone URL given with credentials without them', async () => {
    const build = await service.trigger({ repo: 'https://user:s3cret@git.internal:8443/team/tool.git', ref: 'main' });
    expect(build.cloneUrl).toBe('https://git.internal:8443/team/tool.git');
    expect(JSON.stringify(await store.get(build.id))).not.toContain('s3cret');
  });

  it('builds a given sha only when it is reachable from the ref, and stores it in full', async () => {
    const cloneUrl = 'https://github.com/acme/widget.git';
    const onMain = git.commit(cloneUrl, 'refs/heads/main', { a: '1' });
    git.commit(cloneUrl, 'refs/heads/main', { a: '2' });
    const offMain = git.commit(cloneUrl, 'refs/heads/feature', { b: '1' });
    await service.create([push()]);
    expect(await service.trigger({ repo: 'acme/widget', ref: 'main', sha: onMain.slice(0, 7) })).toMatchObject({ sha: onMain, ref: 'refs/heads/main' });
    const err = await rejectionOf(service.trigger({ repo: 'acme/widget', ref: 'main', sha: offMain }));
    expect(err.code).toBe('unprocessable');
    expect(queue.calls).toHaveLength(2); // the push and the one good trigger
  });

  it('cancels a queued build: withdrawn from the queue and reported, since no worker will', async () => {
    const { builds } = await service.create([push()]);
    const cancelled = await service.cancel(builds[0].id);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: 'Cancelled' });
    expect(queue.calls).toEqual([`enqueue ${builds[0].id}`, `cancel ${builds[0].id}`, `withdraw ${builds[0].id}`]);
    expect(reporter.last()).toMatchObject({ state: 'error', description: 'Cancelled' });
    expect(events.published).toEqual([{ type: 'build.finished', buildId: builds[0].id, status: 'cancelled' }]);
  });

  it('cancels a running build by telling its worker, which reports', async () => {
    const { builds } = await service.create([push()]);
    await store.transition(builds[0].id, ['queued'], { status: 'running' });
    expect((await service.cancel(builds[0].id)).status).toBe('cancelled');
    expect(queue.calls.slice(1)).toEqual([`cancel ${builds[0].id}`]);
    expect(reporter.statesOf()).toEqual(['pending']);
    expect(events.published).toEqual([]); // the worker announces the end once it has stopped
  });

  it('answers conflict for a finished build, also when it finishes while the cancel is on its way', async () => {
    const { builds } = await service.create([push()]);
    const id = builds[0].id;
    await store.transition(id, ['queued'], { status: 'running' });
    // The worker finishes between the cancel's read and its compare-and-set.
    const racing = Object.assign(Object.create(store) as BuildStore, {
      transition: async (...args: Parameters<BuildStore['transition']>) => {
        await store.transition(id, ['running'], { status: 'success' });
        return store.transition(...args);
      },
    });
    const raced = new BuildsService(racing, reporter, queue as unknown as BuildQueue, events, git, config);
    const err = await rejectionOf(raced.cancel(id));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe(`build ${id} has already finished (success)`);
    expect((await store.get(id))?.status).toBe('success');
    expect(queue.calls).toEqual([`enqueue ${id}`]);
  });

  it('answers not_found for an unknown build', async () => {
    expect((await rejectionOf(service.cancel(999))).code).toBe('not_found');
    expect((await rejectionOf(service.rebuild(999))).code).toBe('not_found');
  });

  it('rebuilds the same commit as a new build linked to the original', async () => {
    const { builds } = await service.create([push('b'.repeat(40))]);
    const rebuild = await service.rebuild(builds[0].id);
    expect(rebuild).toMatchObject({ sha: 'b'.repeat(40), event: 'rebuild', rebuildOf: builds[0].id, status: 'queued' });
    expect(queue.calls).toEqual([`enqueue ${builds[0].id}`, `enqueue ${rebuild.id}`]);
  });

  it('retries a build that ended without success: same repository, ref and commit, linked to it', async () => {
    const { builds } = await service.create([push('d'.repeat(40))]);
    const failed = await store.update(builds[0].id, { status: 'failure', error: 'Test failed' });
    const retry = await service.retry(failed.id);
    expect(retry).toMatchObject({ repo: 'acme/widget', ref: 'refs/heads/main', sha: 'd'.repeat(40), event: 'rebuild', retryOf: failed.id, rebuildOf: failed.id, status: 'queued' });
    expect(queue.calls.at(-1)).toBe(`enqueue ${retry.id}`);
    for (const status of ['error', 'cancelled'] as const) {
      await store.update(failed.id, { status });
      expect((await service.retry(failed.id)).retryOf).toBe(failed.id);
    }
  });

  it('answers conflict for a retry of a build that succeeded or has not ended, and not_found for an unknown one', async () => {
    const { builds } = await service.create([push()]);
    for (const status of ['queued', 'running', 'success'] as const) {
      await store.update(builds[0].id, { status });
      const err = await rejectionOf(service.retry(builds[0].id));
      expect(err.code).toBe('conflict');
      expect(err.message).toContain(`build ${builds[0].id} is ${status}`);
    }
    expect((await rejectionOf(service.retry(999))).code).toBe('not_found');
  });

  it('retries a fork\'s build as a fork', async () => {
    const { builds } = await service.create([{ ...push('e'.repeat(40)), ref: 'refs/pull/7/head', event: 'pull_request', fork: true }]);
    await store.update(builds[0].id, { status: 'error' });
    expect((await service.retry(builds[0].id)).fork).toBe(true);
  });

  it('rebuilds a fork\'s build as a fork: its code stays untrusted', async () => {
    const { builds } = await service.create([{ ...push('c'.repeat(40)), ref: 'refs/pull/7/head', event: 'pull_request', fork: true }]);
    expect((await service.rebuild(builds[0].id)).fork).toBe(true);
  });
});

describe('BuildsService when Redis or the database is down', () => {
  const config = { allowedRepos: [], github: { apiUrl: 'https://api.github.com', token: undefined } };
  const serviceWith = (store: BuildStore, enqueue: () => Promise<void>) =>
    new BuildsService(store, new RecordingReporter(), { enqueue } as unknown as BuildQueue, new InMemoryBuildEvents(), new FakeGitClient(), config);

  it.each([
    ['does not answer', () => new Promise<void>(() => undefined)],
    ['refuses', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))],
  ])('answers with the stored build when Redis %s, in at most a few seconds', async (_, enqueue) => {
    const { store, close } = await createMemoryBuildStore();
    try {
      const started = Date.now();
      const { builds } = await serviceWith(store, enqueue).create([push()], 'delivery-redis-down');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await store.get(builds[0].id)).toMatchObject({ status: 'queued' });
    } finally {
      await close();
    }
  });

  it('answers infrastructure (503), saying nothing was stored, when the database refuses', async () => {
    const { store, close } = await createMemoryBuildStore();
    try {
      const down = Object.assign(Object.create(store) as BuildStore, {
        createBuilds: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
      });
      let enqueued = false;
      const err = await rejectionOf(serviceWith(down, async () => void (enqueued = true)).create([push()], 'delivery-db-down'));
      expect(err.code).toBe('infrastructure');
      expect(err.message).toMatch(/^build not stored, the database is unavailable \(connect ECONNREFUSED 127\.0\.0\.1:5432\).*Redeliver/);
      expect(enqueued).toBe(false);
    } finally {
      await close();
    }
  });
});
