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
    expect(again.builds.map((b) => b.id)).toEqual(first.builds.map((b) => b.id));
    expect(queue.calls).toEqual([`enqueue ${first.builds[0].id}`]);
    expect(reporter.reports.map((r) => `${r.state} ${r.description}`)).toEqual(['pending queued, next']);
    // once it has ended, the redelivery is known by its delivery id
    await store.update(first.builds[0].id, { status: 'success' });
    expect(await service.create([push()], 'delivery-1')).toEqual({ builds: [expect.objectContaining({ id: first.builds[0].id })], duplicate: true });
    expect(queue.calls).toHaveLength(1);
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
    expect(events.published).toEqual([
      { type: 'build.created', buildId: builds[0].id, status: 'queued' },
      { type: 'build.finished', buildId: builds[0].id, status: 'cancelled' },
    ]);
  });

  it('cancels a running build by telling its worker, which reports', async () => {
    const { builds } = await service.create([push()]);
    await store.transition(builds[0].id, ['queued'], { status: 'running' });
    expect((await service.cancel(builds[0].id)).status).toBe('cancelled');
    expect(queue.calls.slice(1)).toEqual([`cancel ${builds[0].id}`]);
    expect(reporter.statesOf()).toEqual(['pending']);
    expect(events.published).toEqual([{ type: 'build.created', buildId: builds[0].id, status: 'queued' }]); // the worker announces the end once it has stopped
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

  it('rebuilds the same commit as a new build linked to the original; one still open is shared instead', async () => {
    const { builds } = await service.create([push('b'.repeat(40))]);
    expect((await service.rebuild(builds[0].id)).id).toBe(builds[0].id);
    await store.update(builds[0].id, { status: 'failure' });
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

describe('BuildsService: pull requests, shared and superseded builds, approval', () => {
  let store: BuildStore;
  let close: () => Promise<void>;
  let queue: RecordingQueue;
  let reporter: RecordingReporter;
  let service: BuildsService;
  const config = { allowedRepos: [], github: { apiUrl: 'https://api.github.com', token: undefined } };

  beforeEach(async () => {
    ({ store, close } = await createMemoryBuildStore());
    queue = new RecordingQueue();
    reporter = new RecordingReporter();
    service = new BuildsService(store, reporter, queue as unknown as BuildQueue, new InMemoryBuildEvents(), new FakeGitClient(), config);
  });
  afterEach(() => close());

  const branchPush = (branch: string, sha: string): BuildRequest => ({ ...push(sha), ref: `refs/heads/${branch}` });
  const pullRequest = (n: number, sha: string, extra: Partial<BuildRequest> = {}): BuildRequest => ({ ...push(sha), ref: `refs/pull/${n}/head`, event: 'pull_request', pullRequest: n, ...extra });
  const only = async (request: BuildRequest) => (await service.create([request])).builds[0];
  const descriptions = (buildId: number) => reporter.reports.filter((r) => r.buildId === buildId).map((r) => `${r.state} ${r.description}`);

  it('one commit, one build: a pull request joins the push of its head, and a push joins the pull request', async () => {
    const pushed = await only(branchPush('feature/x', 'a'.repeat(40)));
    const joined = await only(pullRequest(7, 'a'.repeat(40)));
    expect(joined).toMatchObject({ id: pushed.id, ref: 'refs/heads/feature/x', pullRequest: 7 });

    const opened = await only(pullRequest(8, 'b'.repeat(40)));
    const pushedAfter = await only(branchPush('feature/y', 'b'.repeat(40)));
    expect(pushedAfter).toMatchObject({ id: opened.id, ref: 'refs/heads/feature/y', pullRequest: 8 });
    expect(queue.calls).toEqual([`enqueue ${pushed.id}`, `enqueue ${opened.id}`]);
  });

  it('shares nothing with a fork, a build that has started pushing, or a finished build', async () => {
    const fork = await only(pullRequest(9, 'c'.repeat(40), { fork: true }));
    expect((await only(branchPush('feature/c', 'c'.repeat(40)))).id).not.toBe(fork.id);

    const pushing = await only(branchPush('feature/d', 'd'.repeat(40)));
    await store.update(pushing.id, { status: 'running', steps: [{ name: 'push', status: 'running', startedAt: null, finishedAt: null }] });
    expect((await only(pullRequest(10, 'd'.repeat(40)))).id).not.toBe(pushing.id);

    const done = await only(branchPush('feature/e', 'e'.repeat(40)));
    await store.update(done.id, { status: 'success' });
    expect((await only(pullRequest(11, 'e'.repeat(40)))).id).not.toBe(done.id);
  });

  it('a new push to a feature branch supersedes its older builds; the default branch and tags run in order', async () => {
    const first = await only(branchPush('feature/x', '1'.repeat(40)));
    const second = await only(branchPush('feature/x', '2'.repeat(40)));
    expect(await store.get(first.id)).toMatchObject({ status: 'cancelled', error: 'superseded by 2222222' });
    expect(descriptions(first.id)).toContain('error superseded by 2222222');
    expect(queue.calls).toContain(`withdraw ${first.id}`);
    expect((await store.get(second.id))?.status).toBe('queued');

    const main1 = await only(branchPush('main', '3'.repeat(40)));
    await only(branchPush('main', '4'.repeat(40)));
    expect((await store.get(main1.id))?.status).toBe('queued');
    const tag1 = await only({ ...push('5'.repeat(40)), ref: 'refs/tags/v1.0.0', event: 'tag' });
    await only({ ...push('6'.repeat(40)), ref: 'refs/tags/v1.0.1', event: 'tag' });
    expect((await store.get(tag1.id))?.status).toBe('queued');
  });

  it('supersedes a pull request\'s older heads, blocked and running ones too, but never cuts a push halfway', async () => {
    const blocked = await only(pullRequest(5, '1'.repeat(40), { fork: true, blocked: true }));
    expect(descriptions(blocked.id)).toEqual(['pending waiting for approval']);
    expect(queue.calls).toEqual([]); // nothing of a blocked build runs
    const running = await only(pullRequest(6, '2'.repeat(40)));
    await store.update(running.id, { status: 'running' });
    const pushing = await only(branchPush('feature/p', '3'.repeat(40)));
    await store.update(pushing.id, { status: 'running', steps: [{ name: 'push', status: 'running', startedAt: null, finishedAt: null }] });

    await only(pullRequest(5, '4'.repeat(40), { fork: true, blocked: true }));
    await only(pullRequest(6, '5'.repeat(40)));
    await only(branchPush('feature/p', '6'.repeat(40)));
    expect(await store.get(blocked.id)).toMatchObject({ status: 'cancelled', error: 'superseded by 4444444' });
    expect(await store.get(running.id)).toMatchObject({ status: 'cancelled', error: 'superseded by 5555555' });
    expect(queue.calls).toContain(`cancel ${running.id}`); // its worker stops it and reports
    expect((await store.get(pushing.id))?.status).toBe('running');
  });

  it('leaves older builds alone when the repository said supersede: false', async () => {
    await store.saveRepoSettings('acme/widget', { supersede: false });
    const first = await only(branchPush('feature/x', '1'.repeat(40)));
    await only(branchPush('feature/x', '2'.repeat(40)));
    expect((await store.get(first.id))?.status).toBe('queued');
  });

  it('approves a blocked build into the queue, pinned to it; declines one; 409 for any other', async () => {
    const blocked = await only(pullRequest(5, '1'.repeat(40), { fork: true, blocked: true }));
    expect(await service.approve(blocked.id, '@maintainer')).toMatchObject({ status: 'queued', approvedBy: '@maintainer' });
    expect(queue.calls).toEqual([`enqueue ${blocked.id}`]);
    expect(descriptions(blocked.id).at(-1)).toMatch(/^pending queued, /);
    await expect(rejectionOf(service.approve(blocked.id, 'api'))).resolves.toMatchObject({ code: 'conflict' });

    const next = await only(pullRequest(5, '2'.repeat(40), { fork: true, blocked: true })); // a new head waits again
    expect(next.status).toBe('blocked');
    expect(await service.decline(next.id)).toMatchObject({ status: 'cancelled', error: 'declined' });
    expect(descriptions(next.id).at(-1)).toBe('error declined');
    await expect(rejectionOf(service.decline(next.id))).resolves.toMatchObject({ code: 'conflict' });
    await expect(rejectionOf(service.decline(blocked.id))).resolves.toMatchObject({ code: 'conflict' });
  });

  it('cancels what a closed pull request alone asked for; a build a branch push shares goes on', async () => {
    const own = await only(pullRequest(12, '1'.repeat(40)));
    const shared = await only(branchPush('feature/s', '2'.repeat(40)));
    await only(pullRequest(12, '2'.repeat(40))); // joins the branch build (and supersedes nothing: another ref)
    expect((await store.get(own.id))?.status).toBe('cancelled'); // superseded by the new head
    const third = await only(pullRequest(13, '3'.repeat(40)));
    const closed = await service.closePullRequest('acme/widget', 13);
    expect(closed.map((b) => `${b.id} ${b.status} ${b.error}`)).toEqual([`${third.id} cancelled pull request closed`]);
    await service.closePullRequest('acme/widget', 12);
    expect((await store.get(shared.id))?.status).toBe('queued');
  });

  it('says where a queued build stands in the queue', async () => {
    const first = await only(branchPush('main', '1'.repeat(40)));
    const second = await only({ ...branchPush('main', '2'.repeat(40)), repo: 'acme/other' });
    expect(descriptions(first.id)).toEqual(['pending queued, next']);
    expect(descriptions(second.id)).toEqual(['pending queued, 1 ahead']);
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
      const refused = async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
      // refused at the first query (the open builds a request may share) or at the insert
      for (const down of [
        Object.assign(Object.create(store) as BuildStore, { openBuildsOf: refused }),
        Object.assign(Object.create(store) as BuildStore, { createBuilds: refused }),
      ]) {
        let enqueued = false;
        const err = await rejectionOf(serviceWith(down, async () => void (enqueued = true)).create([push()], 'delivery-db-down'));
        expect(err.code).toBe('infrastructure');
        expect(err.message).toMatch(/^build not stored, the database is unavailable \(connect ECONNREFUSED 127\.0\.0\.1:5432\).*Redeliver/);
        expect(enqueued).toBe(false);
      }
    } finally {
      await close();
    }
  });
});
