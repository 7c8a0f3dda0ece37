import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGitHubServer, startGitHttpServer, waitForBuild, type GitHttpServer } from '@drydock/testing';
import { containerUp, containersOf, sqliteWithUnusedBuildIds, logOf, pushesOf, pushNewRepo, sleepingBuild, stepRunning, watchPushes, workerRunning } from './build-probes.js';
import { DrydockCluster, FaultRedis } from './harness.js';

/**
 * SIGTERM to a worker in the middle of a build (issue 15): it takes no new job, lets the build
 * finish within DRYDOCK_SHUTDOWN_GRACE, or hands it back to the queue for another worker, and
 * exits within the grace period, even when Redis is gone.
 */
let github: FakeGitHubServer;
let git: GitHttpServer;
let cluster: DrydockCluster | undefined;
let redis: FaultRedis | undefined;

beforeAll(async () => {
  github = await new FakeGitHubServer().start();
  git = await startGitHttpServer();
});
afterEach(async () => {
  await cluster?.stop();
  await redis?.close();
  cluster = undefined;
  redis = undefined;
});
afterAll(async () => {
  await git?.close();
  await github?.stop();
});

/** An API and two workers, all serving. */
async function startCluster(env: Record<string, string>, redisUrl?: string): Promise<DrydockCluster> {
  cluster = DrydockCluster.create({ githubApiUrl: github.url, redisUrl, databaseUrl: await sqliteWithUnusedBuildIds(), env });
  const processes = [await cluster.startApi(), cluster.startWorker(), cluster.startWorker()];
  await Promise.all(processes.map((p) => p.serving(60_000)));
  return cluster;
}

/** The cluster's output on failure: what each process logged is the evidence. */
async function withOutput(cluster: DrydockCluster, test: () => Promise<void>): Promise<void> {
  try {
    await test();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${cluster.output()}`, { cause: err });
  }
}

describe('a worker told to stop (SIGTERM) during a build', () => {
  it('lets the build finish within the grace period, takes no new job meanwhile, then exits', async () => {
    const cluster = await startCluster({ DRYDOCK_SHUTDOWN_GRACE: '60', DRYDOCK_CONCURRENCY: '2' });
    const pushes = watchPushes();
    await withOutput(cluster, async () => {
      const { repo, id } = await pushNewRepo(cluster, git, sleepingBuild(10), 'term-finish');
      await stepRunning(cluster, id, 'test');
      await containerUp(id);
      const stopping = workerRunning(cluster, id);
      stopping.signal('SIGTERM');
      await stopping.waitForLog(/SIGTERM: shutting down/, 5_000);

      const other = await pushNewRepo(cluster, git, sleepingBuild(1), 'term-other');
      expect((await cluster.awaitFinal(other.id, 90_000)).status).toBe('success');
      expect(stopping.output()).not.toMatch(new RegExp(`build ${other.id}: started`)); // a free slot, but no new job

      const build = await cluster.awaitFinal(id, 60_000);
      expect(build.status).toBe('success');
      expect(await stopping.waitForExit(60_000)).toEqual({ code: 0, signal: null });
      const log = await logOf(cluster, id);
      expect(log).not.toContain('handed back');
      expect(log).not.toContain('attempt 2');
      await github.waitForStatus(repo.sha, 'success', 'drydock', 30_000);
      expect(containersOf(id)).toBe('');
      const tags = pushesOf(pushes.pushed(), repo);
      expect(tags.length).toBeGreaterThan(0);
      expect(new Set(tags).size).toBe(tags.length);
    }).finally(() => pushes.stop());
  });

  it('hands a build that outlasts the grace period back to the queue; another worker finishes it; the worker exits within the grace', async () => {
    const graceSeconds = 8;
    const cluster = await startCluster({ DRYDOCK_SHUTDOWN_GRACE: String(graceSeconds), DRYDOCK_CONCURRENCY: '1' });
    const pushes = watchPushes();
    await withOutput(cluster, async () => {
      const { repo, id } = await pushNewRepo(cluster, git, sleepingBuild(30), 'term-handback');
      await stepRunning(cluster, id, 'test');
      await containerUp(id);
      const stopping = workerRunning(cluster, id);
      const termAt = Date.now();
      stopping.signal('SIGTERM');

      expect(await stopping.waitForExit((graceSeconds + 5) * 1000)).toEqual({ code: 0, signal: null });
      expect(Date.now() - termAt).toBeLessThan(graceSeconds * 1000 + 1500);
      const build = await cluster.awaitFinal(id, 90_000);
      expect(build.status).toBe('success');
      const log = await logOf(cluster, id);
      expect(log).toContain('[drydock] handed back: worker shutting down');
      expect(log.indexOf('handed back: worker shutting down')).toBeLessThan(log.indexOf('[drydock] attempt 2: run '));
      await github.waitForStatus(repo.sha, 'success', 'drydock', 30_000);
      expect(github.statusesFor(repo.sha).filter((s) => s.state !== 'pending').map((s) => s.state)).toEqual(['success']);
      expect(containersOf(id)).toBe('');
      const tags = pushesOf(pushes.pushed(), repo);
      expect(tags.length).toBeGreaterThan(0);
      expect(new Set(tags).size).toBe(tags.length); // the run handed back pushed nothing
    }).finally(() => pushes.stop());
  });

  it('exits within the grace period when Redis is gone, API and worker alike; the build is finished once Redis is back', async () => {
    const graceSeconds = 8;
    redis = await FaultRedis.start();
    cluster = DrydockCluster.create({ githubApiUrl: github.url, redisUrl: redis.url, databaseUrl: await sqliteWithUnusedBuildIds(), env: { DRYDOCK_SHUTDOWN_GRACE: String(graceSeconds), DRYDOCK_CONCURRENCY: '1' } });
    const current = cluster;
    const api = await current.startApi();
    const worker = current.startWorker();
    await Promise.all([api.serving(60_000), worker.serving(60_000)]);
    await withOutput(current, async () => {
      const { id } = await pushNewRepo(current, git, sleepingBuild(30), 'term-noredis');
      await stepRunning(current, id, 'test');
      await containerUp(id);

      await redis!.stop('SIGKILL');
      const termAt = Date.now();
      worker.signal('SIGTERM');
      api.signal('SIGTERM');
      await Promise.all([worker.waitForExit((graceSeconds + 5) * 1000), api.waitForExit((graceSeconds + 5) * 1000)]);
      expect(Date.now() - termAt).toBeLessThan(graceSeconds * 1000 + 1500);

      await redis!.start(); // empty: the queue is gone with it
      const [again] = await Promise.all([current.startApi(), current.startWorker().serving(60_000)]);
      await again.serving(60_000);
      const build = await waitForBuild(again.url!, id, { timeoutMs: 120_000 }); // the first API is gone
      expect(build.status).toBe('success');
      expect(containersOf(id)).toBe('');
    });
  });
});
