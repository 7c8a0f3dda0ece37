import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Build } from '@drydock/core';
import { createTempRepo, FakeGitHubServer, pushPayload, startGitHttpServer, type GitHttpServer, type TempRepo } from '@drydock/testing';
import { sqliteWithUnusedBuildIds, startBuildIdsHigh } from './build-probes.js';
import { DrydockCluster, FaultRedis, freshPostgresDatabase, postgresServer, TcpProxy } from './harness.js';

jest.setTimeout(480_000); // 50 builds on the shared test engine, beside the e2e tier

/**
 * Redis or the database down while webhooks arrive (issue 15). A webhook is answered 202
 * only once its build is on disk, and then it is built, whatever Redis did meanwhile; a
 * webhook whose build could not be stored is answered 503, so GitHub can redeliver it.
 */
const FINAL = ['success', 'failure', 'error', 'cancelled'];
/** GitHub gives up on a delivery after 10 s. */
const GITHUB_TIMEOUT_MS = 10_000;
const DOCKERFILE = 'FROM busybox:latest\nRUN echo built > /built\n';

let github: FakeGitHubServer;
let git: GitHttpServer;
let redis: FaultRedis;

beforeAll(async () => {
  github = await new FakeGitHubServer().start();
  git = await startGitHttpServer();
  redis = await FaultRedis.start();
});

afterAll(async () => {
  await redis?.close();
  await git?.close();
  await github?.stop();
});

interface Answer {
  repo: TempRepo;
  deliveryId: string;
  status: number;
  body: { builds?: Array<{ id: number }>; message?: string };
  ms: number;
}

function repos(count: number, label: string): Promise<TempRepo[]> {
  const run = randomBytes(3).toString('hex');
  return Promise.all(Array.from({ length: count }, (_, i) => createTempRepo(git, `acme/${label}-${run}-${i}`, { files: { Dockerfile: DOCKERFILE } })));
}

/** Sends a signed push of each repository at once and collects how each was answered. */
function pushAll(cluster: DrydockCluster, targets: TempRepo[], deliveryIds: string[] = targets.map(() => randomUUID())): Promise<Answer[]> {
  return Promise.all(
    targets.map(async (repo, i) => {
      const started = Date.now();
      const payload = pushPayload({ ref: 'refs/heads/main', sha: repo.sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName });
      const res = await cluster.deliver('push', payload, { deliveryId: deliveryIds[i] });
      return { repo, deliveryId: deliveryIds[i], status: res.status, body: (await res.json()) as Answer['body'], ms: Date.now() - started };
    }),
  );
}

const buildIdOf = (answer: Answer): number => {
  const id = answer.body.builds?.[0]?.id;
  if (id === undefined) throw new Error(`a 202 without a build: ${JSON.stringify(answer.body)}`);
  return id;
};

describe('Redis down while webhooks arrive', () => {
  it('50 webhooks around a Redis crash: each answered 202 is built, any other was 503, none waited past GitHub’s timeout', async () => {
    const cluster = DrydockCluster.create({ redisUrl: redis.url, githubApiUrl: github.url, databaseUrl: await sqliteWithUnusedBuildIds(), env: { DRYDOCK_CONCURRENCY: '3' } });
    try {
      const started = [await cluster.startApi(), cluster.startWorker(), cluster.startWorker()];
      await Promise.all(started.map((p) => p.serving()));
      const targets = await repos(50, 'redis-down');

      // 25 while Redis runs: queued there, most still waiting when Redis crashes and forgets its queue.
      const before = await pushAll(cluster, targets.slice(0, 25));
      expect(before.map((a) => a.status)).toEqual(before.map(() => 202));
      await redis.stop('SIGKILL');
      // 25 while it is down.
      const during = await pushAll(cluster, targets.slice(25));
      const health = await fetch(`${cluster.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', redis: expect.stringMatching(/ECONNREFUSED|Connection is closed/), database: 'ok' });
      await sleep(2000);
      await redis.start(); // empty: no persistence

      const answers = [...before, ...during];
      expect(answers.filter((a) => a.status !== 202 && a.status !== 503).map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
      expect(answers.filter((a) => a.ms >= GITHUB_TIMEOUT_MS).map((a) => `${a.repo.fullName}: ${a.ms} ms`)).toEqual([]);
      for (const refused of answers.filter((a) => a.status === 503)) expect(refused.body.message).toMatch(/not stored/);

      const accepted = answers.filter((a) => a.status === 202).map(buildIdOf);
      const builds = await Promise.all(accepted.map((id) => cluster.awaitFinal(id, 300_000).catch((err: Error) => err)));
      const unfinished = builds.filter((b): b is Error => b instanceof Error).map((err) => err.message);
      expect(unfinished).toEqual([]);
      const finished = builds.filter((b): b is Build => !(b instanceof Error));
      expect(finished.map((b) => b.status).filter((s) => !FINAL.includes(s))).toEqual([]);
      // Those sent while Redis was down never had a job before it came back: they ran on a healthy Redis.
      const duringIds = new Set(during.filter((a) => a.status === 202).map(buildIdOf));
      expect(finished.filter((b) => duringIds.has(b.id) && b.status !== 'success').map((b) => `${b.id} ${b.status} ${b.error}`)).toEqual([]);
      expect(cluster.processes.filter((p) => p.exited).map((p) => p.describe())).toEqual([]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.output().slice(-20_000)}`, { cause: err });
    } finally {
      await redis.start();
      await cluster.stop();
    }
  });
});

describe('the database down while webhooks arrive', () => {
  it('PostgreSQL refusing: every webhook is 503 saying nothing was stored (never 202 or 500), /healthz names it, and the redeliveries are built', async () => {
    const database = await freshPostgresDatabase('dbdown');
    await startBuildIdsHigh(database.url);
    const proxy = await TcpProxy.start(postgresServer());
    const cluster = DrydockCluster.create({ redisUrl: redis.url, githubApiUrl: github.url, databaseUrl: database.urlThrough(proxy) });
    try {
      await Promise.all([await cluster.startApi(), cluster.startWorker()].map((p) => p.serving()));
      const targets = await repos(10, 'db-down');

      await proxy.cut();
      const refused = await pushAll(cluster, targets);
      expect(refused.map((a) => a.status)).toEqual(refused.map(() => 503));
      for (const answer of refused) {
        expect(answer.body.message).toMatch(/^build not stored, the database is unavailable \(.*ECONNREFUSED.*\).*Redeliver/);
        expect(answer.ms).toBeLessThan(GITHUB_TIMEOUT_MS);
      }
      const health = await fetch(`${cluster.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', redis: 'ok', database: expect.stringContaining('ECONNREFUSED') });

      await proxy.restore();
      const redelivered = await pushAll(cluster, targets, refused.map((a) => a.deliveryId));
      expect(redelivered.map((a) => a.status)).toEqual(redelivered.map(() => 202));
      const builds = await Promise.all(redelivered.map((a) => cluster.awaitFinal(buildIdOf(a), 180_000)));
      expect(builds.map((b) => b.status)).toEqual(builds.map(() => 'success'));
      expect(cluster.processes.filter((p) => p.exited).map((p) => p.describe())).toEqual([]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.output().slice(-20_000)}`, { cause: err });
    } finally {
      await proxy.restore();
      await cluster.stop();
      await proxy.close();
      await database.drop();
    }
  });
});
