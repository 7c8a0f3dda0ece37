import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Build, BuildRequest } from '@drydock/core';
import { engineDataDir } from '@drydock/docker';
import { BUILD_QUEUE, JobName, buildJobOptions, type JobOf } from '@drydock/queue';
import { createDatabase, KyselyBuildStore } from '@drydock/store';
import { RegistryClient, startE2eWorld, testServices, waitForBuild, type E2eWorld, type TempRepo } from '@drydock/testing';

/**
 * A fork's code runs on a throwaway engine (issue 14): what its build leaves in a BuildKit cache
 * mount or as an image is not on the repository's engine, nothing of it reaches the registry, and
 * the throwaway engine's data dir is gone once the build is. Pull-request webhooks do not exist
 * yet, so the fork's build is stored and queued the way the API does it (store, then queue).
 */
const services = testServices();
let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld({ engines: true });
}, 60_000);
afterAll(() => world?.stop(), 60_000);

const enginesDir = () => world.drydock.env.DRYDOCK_ENGINES_DIR;
const logOf = async (id: number) => (await world.drydock.api(`/api/builds/${id}/logs`)).text();
/** The docker CLI on the engine the worker started for `repo`. */
const dockerOf = (repo: TempRepo, ...args: string[]): string =>
  execFileSync(services.dockerCli, ['-H', `unix://${engineDataDir(enginesDir(), repo.fullName)}/docker.sock`, ...args], { encoding: 'utf8' });
/** The directories under DRYDOCK_ENGINES_DIR: one per engine data root (not the pool's passing `*.lock`). */
const engineDirs = (): string[] =>
  readdirSync(enginesDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.endsWith('.lock'))
    .map((d) => d.name)
    .sort();

/** Stores and queues a build as BuildsService.create does (without the GitHub report); resolves with its id. */
async function storeAndQueue(request: BuildRequest): Promise<number> {
  const { db } = createDatabase(world.drydock.env.DATABASE_URL);
  const redis = new Redis(world.drydock.env.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<JobOf<typeof JobName.RunBuild>>(BUILD_QUEUE, { connection: redis, prefix: world.drydock.env.DRYDOCK_REDIS_PREFIX });
  try {
    const [build] = (await new KyselyBuildStore(db).createBuilds([request])).builds;
    await queue.add(JobName.RunBuild, { buildId: build.id }, buildJobOptions(build.id));
    return build.id;
  } finally {
    await queue.close();
    redis.disconnect();
    await db.destroy();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a fork\'s build', () => {
  it('leaves no cache mount, image, push or engine behind for the repository\'s own builds', async () => {
    const nonce = randomUUID();
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'forked');
    // The fork's commit exists only as the pull request's head on the base repository, as on GitHub.
    const forkSha = await repo.commit(
      { Dockerfile: `FROM busybox:latest\nLABEL fork-nonce=${nonce}\nRUN --mount=type=cache,target=/c echo planted-${nonce} > /c/x\n` },
      { branch: `fork-${nonce.slice(0, 8)}` },
    );
    await repo.pushRef('refs/pull/7/head', forkSha);
    await repo.deleteBranch(`fork-${nonce.slice(0, 8)}`);

    const forkId = await storeAndQueue({
      repo: repo.fullName,
      cloneUrl: repo.cloneUrl,
      ref: 'refs/pull/7/head',
      sha: forkSha,
      event: 'pull_request',
      defaultBranch: repo.defaultBranch,
      fork: true,
    });
    const fork = await waitForBuild(world.drydock.url, forkId, { timeoutMs: 180_000 });
    expect(fork).toMatchObject({ status: 'success', fork: true, images: [], error: null });
    expect(fork.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(['clone: success', 'config: success', 'build: success', 'test: success', 'push: skipped']);
    expect(await logOf(forkId)).toContain(`==> push ${repo.fullName.split('/')[1]} skipped: the code comes from a fork`);
    expect(existsSync(engineDataDir(enginesDir(), repo.fullName))).toBe(false); // the repository's engine was never started
    await until(() => engineDirs().length === 0, 'the throwaway engine\'s data dir is deleted');
    expect((await world.github.waitForStatus(forkSha, 'success', 'drydock', 20_000)).description).toBe('Built and tested, not pushed: the code comes from a fork');

    const mainSha = await repo.commit({
      Dockerfile: `FROM busybox:latest\nRUN --mount=type=cache,target=/c if [ -e /c/x ]; then echo cache-seen-${nonce}; exit 1; fi; echo cache-empty-${nonce}\n`,
    });
    const own: Build = await waitForBuild(world.drydock.url, await world.push(repo, { sha: mainSha }), { timeoutMs: 180_000 });
    expect(own.status).toBe('success');
    expect(own.fork).toBe(false);
    expect(await logOf(own.id)).toContain(`cache-empty-${nonce}`);

    expect(dockerOf(repo, 'images', '--all', '--quiet', '--filter', `label=fork-nonce=${nonce}`).trim()).toBe('');
    expect(dockerOf(repo, 'images', '--all', '--format', '{{.Repository}}:{{.Tag}}')).not.toMatch(new RegExp(`drydock/b${forkId}-|:pr-7\\b`));
    const registry = new RegistryClient(services.registry, services.registryCredentials);
    expect(await registry.tags(repo.fullName)).toEqual([...own.images[0].tags].sort());
    expect(await registry.tags(repo.fullName)).not.toContain('pr-7');
    expect(engineDirs()).toEqual([path.basename(engineDataDir(enginesDir(), repo.fullName))]);
  }, 420_000);
});
