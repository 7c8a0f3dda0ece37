import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGitHubServer, startGitHttpServer, type GitHttpServer } from '@drydock/testing';
import { containerUp, containersOf, sqliteWithUnusedBuildIds, logOf, pushesOf, pushNewRepo, sleepingBuild, stepRunning, watchPushes, workerRunning } from './build-probes.js';
import { DrydockCluster } from './harness.js';

/**
 * A worker killed (SIGKILL) or frozen past its queue lock (SIGSTOP, then SIGCONT) in the middle
 * of a build (issue 15): the build's run is lost, the reconciler on the other worker takes it
 * over and queues it again, and the other worker builds it. The build ends, its containers are
 * gone, its commit is not left pending, and the two runs never both push or report.
 */
let github: FakeGitHubServer;
let git: GitHttpServer;
let cluster: DrydockCluster | undefined;

beforeAll(async () => {
  github = await new FakeGitHubServer().start();
  git = await startGitHttpServer();
});
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});
afterAll(async () => {
  await git?.close();
  await github?.stop();
});

/** An API and two workers, one build at a time each, all serving. */
async function startCluster(): Promise<DrydockCluster> {
  cluster = DrydockCluster.create({ githubApiUrl: github.url, databaseUrl: await sqliteWithUnusedBuildIds(), env: { DRYDOCK_CONCURRENCY: '1' } });
  const processes = [await cluster.startApi(), cluster.startWorker(), cluster.startWorker()];
  await Promise.all(processes.map((p) => p.serving(60_000)));
  return cluster;
}

describe('a worker lost mid-build', () => {
  it('SIGKILL: the build runs again on the other worker and ends within 60 s, its containers gone, its commit not pending', async () => {
    const cluster = await startCluster();
    const pushes = watchPushes();
    try {
      const { repo, id } = await pushNewRepo(cluster, git, sleepingBuild(12), 'kill');
      await stepRunning(cluster, id, 'test');
      const lost = workerRunning(cluster, id);
      await containerUp(id); // the test container runs

      lost.signal('SIGKILL');
      const killedAt = Date.now();
      const build = await cluster.awaitFinal(id, 60_000);

      expect(Date.now() - killedAt).toBeLessThan(60_000);
      expect(build.status).toBe('success');
      expect(containersOf(id)).toBe('');
      await github.waitForStatus(repo.sha, 'success', 'drydock', 30_000);
      expect(github.statusesFor(repo.sha).at(-1)?.state).toBe('success');
      const log = await logOf(cluster, id);
      expect(log).toMatch(/\[drydock\] worker lost: .* stopped answering; queued again \(attempt 2 of 2\)/);
      expect(log).toMatch(/\[drydock\] attempt 2: run /);
      const tags = pushesOf(pushes.pushed(), repo);
      expect(tags.length).toBeGreaterThan(0);
      expect(new Set(tags).size).toBe(tags.length); // each tag pushed once
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.output()}`, { cause: err });
    } finally {
      pushes.stop();
    }
  });

  it('SIGSTOP past its lock, then SIGCONT: exactly one run pushes and one final status is sent', async () => {
    const cluster = await startCluster();
    const pushes = watchPushes();
    try {
      const { repo, id } = await pushNewRepo(cluster, git, sleepingBuild(20), 'freeze');
      await stepRunning(cluster, id, 'test');
      await containerUp(id);
      const frozen = workerRunning(cluster, id);

      frozen.signal('SIGSTOP'); // past BullMQ's 30 s lock and the reconciler's 20 s
      await sleep(45_000);
      frozen.signal('SIGCONT');
      const build = await cluster.awaitFinal(id, 120_000);
      if (build.status !== 'success') throw new Error(`build ${JSON.stringify(build)}\n${await logOf(cluster, id)}`);
      await github.waitForStatus(repo.sha, 'success', 'drydock', 30_000);
      await sleep(10_000); // what the thawed run would still do, it has done by now

      expect(build.status).toBe('success');
      const tags = pushesOf(pushes.pushed(), repo);
      expect(tags.length).toBeGreaterThan(0);
      expect(new Set(tags).size).toBe(tags.length); // no tag pushed twice: one run pushed
      expect(build.images.flatMap((image) => image.tags.map((tag) => `${image.name}:${tag}`)).sort()).toEqual([...tags].sort());
      const finals = github.statusesFor(repo.sha).filter((s) => s.state !== 'pending');
      expect(finals.map((s) => s.state)).toEqual(['success']);
      expect(containersOf(id)).toBe('');
      expect(frozen.exited).toBe(false); // the thawed worker lost its run, not its life
      const log = await logOf(cluster, id);
      expect(log.match(/\[drydock\] Pushed /g)).toHaveLength(1);
      expect(log.match(/^==> push \S+$/gm)).toHaveLength(1);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.output()}`, { cause: err });
    } finally {
      pushes.stop();
    }
  });
});
