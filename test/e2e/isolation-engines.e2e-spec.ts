import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { engineDataDir } from '@drydock/docker';
import { startE2eWorld, testServices, waitForBuild, type E2eWorld, type RepoFiles, type TempRepo } from '@drydock/testing';

/**
 * A builder per repository (issue 14, "repositories share nothing writable"): the worker starts
 * an engine for each repository (DRYDOCK_ENGINES_DIR), so a BuildKit cache mount or a base image
 * tag one repository leaves on its engine is not there for another; the repository's next build
 * finds its own again. Builds on these engines still push to the registry with the worker's credentials,
 * which no build can use to pull another repository's image.
 */
const services = testServices();
let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld({ engines: true });
}, 60_000);
afterAll(() => world?.stop(), 60_000);

const CACHE_RUN = 'RUN --mount=type=cache,target=/cache';
const buildOf = async (repo: TempRepo, sha = repo.sha): Promise<Build> =>
  waitForBuild(world.drydock.url, await world.push(repo, { sha }), { timeoutMs: 120_000 });
const logOf = async (id: number) => (await world.drydock.api(`/api/builds/${id}/logs`)).text();
/** The docker CLI on the engine the worker started for `repo`. */
const dockerOf = (repo: TempRepo, ...args: string[]): string =>
  execFileSync(services.dockerCli, ['-H', `unix://${engineDataDir(world.drydock.env.DRYDOCK_ENGINES_DIR, repo.fullName)}/docker.sock`, ...args], { encoding: 'utf8' });
const commit = async (repo: TempRepo, files: RepoFiles): Promise<Build> => buildOf(repo, await repo.commit(files));

describe('an engine per repository', () => {
  it('a cache mount planted by one repository is empty for another, and still there for the planter; both push', async () => {
    const nonce = randomUUID();
    const planter = await world.repo({ Dockerfile: `FROM busybox:latest\n${CACHE_RUN} echo ${nonce} > /cache/planted\n` }, 'planter');
    const planted = await buildOf(planter);
    expect(planted.status).toBe('success');
    expect(planted.images[0]?.name).toBe(`${services.registry}/${planter.fullName}`);

    const reader = await world.repo({ Dockerfile: `FROM busybox:latest\n${CACHE_RUN} ls -A /cache | wc -l | grep -qx 0 && echo cache-empty-${nonce}\n` }, 'reader');
    const read = await buildOf(reader);
    expect(read.status).toBe('success');
    expect(await logOf(read.id)).toContain(`cache-empty-${nonce}`);

    const again = await commit(planter, { Dockerfile: `FROM busybox:latest\n${CACHE_RUN} grep -q ${nonce} /cache/planted && echo cache-kept-${nonce}\n` });
    expect(again.status).toBe('success');
    expect(await logOf(again.id)).toContain(`cache-kept-${nonce}`);
  }, 300_000);

  it('a base image tag written on one repository\'s engine is not seen by another', async () => {
    const poisoner = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'poisoner');
    expect((await buildOf(poisoner)).status).toBe('success');
    // What a build that escaped its step could do at most: re-tag a base image on its own engine.
    const container = `poison-${randomUUID().slice(0, 8)}`;
    dockerOf(poisoner, 'run', '--name', container, 'busybox:latest', 'touch', '/poisoned');
    dockerOf(poisoner, 'commit', container, 'busybox:latest');
    dockerOf(poisoner, 'rm', container);

    const probe = 'images:\n  - test: "test ! -e /poisoned"\n';
    const other = await world.repo({ Dockerfile: 'FROM busybox:latest\nRUN test ! -e /poisoned\n', '.drydock.yml': probe }, 'other');
    expect((await buildOf(other)).status).toBe('success');

    const poisoned = await commit(poisoner, { Dockerfile: 'FROM busybox:latest\nRUN test ! -e /poisoned\n' });
    expect(poisoned.status).toBe('failure'); // the tag is there, on its own engine only
  }, 300_000);

  it('a build cannot pull another repository\'s image from the registry: the worker\'s login pushes, builds pull without it', async () => {
    const nonce = randomUUID();
    const owner = await world.repo({ Dockerfile: `FROM busybox:latest\nRUN echo ${nonce} > /private\n` }, 'private');
    const pushed = await buildOf(owner);
    expect(pushed.status).toBe('success');
    const image = pushed.images[0];
    expect(image?.digest).toMatch(/^sha256:/);

    const reader = await world.repo({ Dockerfile: `FROM ${image?.name}:${image?.tags[0]}\nRUN cat /private\n` }, 'reader');
    const read = await buildOf(reader);
    expect(read.status).toBe('failure');
    expect(await logOf(read.id)).toMatch(/401 Unauthorized/);
    expect(await logOf(read.id)).not.toContain(nonce);
    expect((await commit(owner, { Dockerfile: 'FROM busybox:latest\n' })).status).toBe('success'); // and pushes still work
  }, 300_000);
});
