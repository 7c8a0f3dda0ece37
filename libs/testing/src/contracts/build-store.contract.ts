import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DrydockError, NO_BUILD_FACTS, type BuildImage, type BuildRequest } from '@drydock/core';
import type { LogArchive } from '@drydock/logs';
import type { BuildListQuery, BuildStore, BuildWithRun, ClaimRefusal } from '@drydock/store';

/** A store under test, and how to throw it away. */
export interface StoreSubject {
  store: BuildStore;
  /** The log archive on the same database: retention prunes both. */
  archive: LogArchive;
  close(): Promise<void>;
}

/**
 * What every BuildStore must do, run against the in-memory store of the unit tier and the
 * real databases (SQLite file, PostgreSQL) of the integration tier, so they cannot drift.
 */
export function describeBuildStoreContract(name: string, open: () => Promise<StoreSubject>): void {
  describe(`BuildStore contract: ${name}`, () => {
    let subject: StoreSubject;
    let store: BuildStore;
    let archive: LogArchive;

    beforeAll(async () => {
      subject = await open();
      ({ store, archive } = subject);
    });
    afterAll(async () => {
      await subject?.close();
    });

  it('stores what a pull request build carries, and a fork\'s build waiting for approval as blocked', async () => {
    const repo = freshRepo();
    const request = buildRequestFor(repo, { ref: 'refs/pull/7/head', event: 'pull_request', fork: true, blocked: true, pullRequest: 7, installationId: 9_000_000_001, before: 'a'.repeat(40) });
    const [created] = (await store.createBuilds([request])).builds;
    expect(created).toMatchObject({ status: 'blocked', pullRequest: 7, installationId: 9_000_000_001, before: 'a'.repeat(40), fork: true, approvedBy: null });
    expect((await store.listUnfinished()).map((b) => b.id)).not.toContain(created.id); // nothing runs it until approved
    const approved = await store.transition(created.id, ['blocked'], { status: 'queued', approvedBy: 'octocat' });
    expect(approved).toMatchObject({ status: 'queued', approvedBy: 'octocat' });
    const moved = await store.update(created.id, { ref: 'refs/heads/feature/y', pullRequest: 8 });
    expect(moved).toMatchObject({ ref: 'refs/heads/feature/y', pullRequest: 8 });
    expect((await store.list({ repo, branch: 'feature/y', limit: 5 })).items.map((b) => b.id)).toEqual([created.id]);
  });

  it('stores what a build shows people (title, author, links, trigger), and lets the worker fill in title and author later', async () => {
    const repo = freshRepo();
    const facts = {
      title: 'Fix the widget — ünïcödé',
      author: { name: 'Mona Lisa', login: 'octocat', avatarUrl: 'https://avatars.githubusercontent.com/u/583231?v=4' },
      commitUrl: `https://github.com/${repo}/commit/${'a'.repeat(40)}`,
      compareUrl: `https://github.com/${repo}/compare/${'b'.repeat(12)}...${'a'.repeat(12)}`,
      pullRequestUrl: null,
      triggeredBy: 'octocat',
    };
    const [pushed, manual] = (await store.createBuilds([buildRequestFor(repo, facts), buildRequestFor(repo, { event: 'manual', triggeredBy: 'api' })])).builds;
    expect(pushed).toMatchObject(facts);
    expect(await store.get(pushed.id)).toEqual(pushed);
    expect(manual).toMatchObject({ ...NO_BUILD_FACTS, triggeredBy: 'api' });
    const filled = await store.update(manual.id, { title: 'From the checkout', author: { name: 'A. Committer', login: null, avatarUrl: null } });
    expect(filled).toMatchObject({ title: 'From the checkout', author: { name: 'A. Committer', login: null, avatarUrl: null }, triggeredBy: 'api' });
    expect((await store.list({ repo, limit: 5 })).items.map((b) => b.title)).toEqual(['From the checkout', facts.title]);
  });

  it('counts builds and filters by several statuses', async () => {
    const repo = freshRepo();
    const builds = (await store.createBuilds([buildRequestFor(repo), buildRequestFor(repo), buildRequestFor(repo, { ref: 'refs/heads/dev' })])).builds;
    await store.update(builds[0].id, { status: 'success' });
    await store.update(builds[1].id, { status: 'failure' });
    expect(await store.count({ repo })).toBe(3);
    expect(await store.count({ repo, branch: 'main' })).toBe(2);
    expect(await store.count({ repo, statuses: ['success', 'failure', 'error'] })).toBe(2);
    expect(await store.count({ repo, statuses: [] })).toBe(0);
    expect(await store.count({ repo: freshRepo() })).toBe(0);
    expect((await store.list({ repo, statuses: ['success', 'queued'], limit: 10 })).items.map((b) => b.id)).toEqual([builds[2].id, builds[0].id]);
  });

  it('combines the event and sha filters; a sha prefix matches every build it starts', async () => {
    const repo = freshRepo();
    const [push, tag, pr] = (
      await store.createBuilds([
        buildRequestFor(repo, { sha: '1234567'.padEnd(40, '0') }),
        buildRequestFor(repo, { ref: 'refs/tags/v1.0.0', event: 'tag', sha: 'abcdef0'.padEnd(40, '1') }),
        buildRequestFor(repo, { ref: 'refs/pull/3/head', event: 'pull_request', sha: '1234567'.padEnd(40, '2') }),
      ])
    ).builds;
    const ids = async (query: { event?: 'push' | 'tag' | 'pull_request'; sha?: string }) => (await store.list({ repo, limit: 10, ...query })).items.map((b) => b.id);
    expect(await ids({ event: 'tag' })).toEqual([tag.id]);
    expect(await ids({ event: 'pull_request' })).toEqual([pr.id]);
    expect(await ids({ sha: '1234567' })).toEqual([pr.id, push.id]);
    expect(await ids({ sha: push.sha! })).toEqual([push.id]);
    expect(await ids({ sha: '1234567', event: 'push' })).toEqual([push.id]);
    expect(await ids({ sha: 'fffffff' })).toEqual([]);
  });

  it('keeps each repository\'s settings, with the defaults for one never built', async () => {
    const repo = freshRepo();
    expect(await store.repoSettings(repo)).toEqual({ supersede: true });
    await store.saveRepoSettings(repo, { supersede: false });
    expect(await store.repoSettings(repo)).toEqual({ supersede: false });
    await store.saveRepoSettings(repo, { supersede: true });
    expect(await store.repoSettings(repo)).toEqual({ supersede: true });
    expect(await store.repoSettings(freshRepo())).toEqual({ supersede: true });
  });

  it('round-trips a build through create, get and update', async () => {
    const repo = freshRepo();
    const { builds, duplicate } = await store.createBuilds([buildRequestFor(repo, { ref: 'refs/heads/feature/x', sha: null })]);
    expect(duplicate).toBe(false);
    const [created] = builds;
    expect(created).toEqual({
      id: expect.any(Number),
      repo,
      cloneUrl: `https://github.com/${repo}.git`,
      ref: 'refs/heads/feature/x',
      sha: null,
      event: 'push',
      status: 'queued',
      defaultBranch: 'main',
      rebuildOf: null,
      retryOf: null,
      fork: false,
      pullRequest: null,
      installationId: null,
      before: null,
      approvedBy: null,
      ...NO_BUILD_FACTS,
      steps: [],
      images: [],
      keptImages: [],
      error: null,
      createdAt: expect.stringMatching(ISO),
      startedAt: null,
      finishedAt: null,
    });
    expect(await store.get(created.id)).toEqual(created);

    const startedAt = '2024-05-01T10:00:00.123Z';
    const updated = await store.update(created.id, {
      status: 'running',
      sha: 'b'.repeat(40),
      startedAt,
      steps: [{ name: 'clone', status: 'success', startedAt, finishedAt: startedAt }],
      images: [{ name: 'localhost:5000/acme/app', tags: ['sha-bbbbbbb', 'latest'], digest: null }],
    });
    expect(updated).toEqual({
      ...created,
      status: 'running',
      sha: 'b'.repeat(40),
      startedAt,
      steps: [{ name: 'clone', status: 'success', startedAt, finishedAt: startedAt }],
      images: [{ name: 'localhost:5000/acme/app', tags: ['sha-bbbbbbb', 'latest'], digest: null }],
    });
    expect(await store.get(created.id)).toEqual(updated);

    const rebuild = await store.createBuilds([buildRequestFor(repo, { event: 'rebuild', rebuildOf: created.id })]);
    expect(rebuild.builds[0].rebuildOf).toBe(created.id);
  });

  it('stores whether a build\'s code comes from a fork, and keeps it through updates and listing', async () => {
    const repo = freshRepo();
    const { builds } = await store.createBuilds([
      buildRequestFor(repo, { ref: 'refs/pull/7/head', event: 'pull_request', fork: true }),
      buildRequestFor(repo, { ref: 'refs/pull/8/head', event: 'pull_request', fork: false }),
    ]);
    expect(builds.map((b) => b.fork)).toEqual([true, false]);
    const [fork, own] = builds;
    expect(await store.get(fork.id)).toEqual(fork);
    expect(await store.update(fork.id, { status: 'running' })).toMatchObject({ fork: true });
    expect(await store.transition(fork.id, ['running'], { status: 'success' })).toMatchObject({ fork: true });
    expect((await store.list({ repo, limit: 10 })).items.map((b) => [b.id, b.fork])).toEqual([
      [own.id, false],
      [fork.id, true],
    ]);
  });

  it('links a retry to the build it retries, and keeps the images a build kept for it through updates, runs and listing', async () => {
    const repo = freshRepo();
    const [failed] = (await store.createBuilds([buildRequestFor(repo)])).builds;
    const kept = [{ image: 'app', reference: `localhost:5000/drydock-retry/${repo}/app:build-${failed.id}`, digest: `sha256:${'c'.repeat(64)}`, builtBy: failed.id, tested: true }];
    const claimed = claimedBuild(await store.claim(failed.id, { runId: 'run-kept', owner: 'host/1' }, { startedAt: '2024-05-01T10:00:00.000Z' }, 1));
    expect(claimed.keptImages).toEqual([]);
    expect(await store.updateRun(failed.id, 'run-kept', { keptImages: kept })).toMatchObject({ keptImages: kept });
    const ended = await store.transition(failed.id, ['running'], { status: 'error', error: 'push failed' }, 'run-kept');
    expect(ended).toMatchObject({ status: 'error', keptImages: kept, retryOf: null });

    const [retry] = (await store.createBuilds([buildRequestFor(repo, { event: 'rebuild', rebuildOf: failed.id, retryOf: failed.id })])).builds;
    expect(retry).toMatchObject({ retryOf: failed.id, rebuildOf: failed.id, keptImages: [] });
    expect(await store.get(retry.id)).toEqual(retry);
    expect((await store.list({ repo, limit: 10 })).items.map((b) => [b.id, b.retryOf, b.keptImages.length])).toEqual([
      [retry.id, failed.id, 0],
      [failed.id, null, 1],
    ]);
  });

  it('answers undefined or not_found for unknown ids', async () => {
    expect(await store.get(987654321)).toBeUndefined();
    await expect(store.update(987654321, { status: 'error' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.transition(987654321, ['queued'], { status: 'running' })).toBeUndefined();
  });

  it('creates the builds of a delivery once, and returns them again on redelivery', async () => {
    const repo = freshRepo();
    const deliveryId = `delivery-${randomBytes(4).toString('hex')}`;
    const requests = [buildRequestFor(repo), buildRequestFor(repo, { ref: 'refs/tags/v1.2.3', event: 'tag' })];

    const first = await store.createBuilds(requests, deliveryId);
    expect(first.duplicate).toBe(false);
    expect(first.builds.map((b) => b.ref)).toEqual(['refs/heads/main', 'refs/tags/v1.2.3']);

    const again = await store.createBuilds(requests, deliveryId);
    expect(again).toEqual({ builds: first.builds, duplicate: true });
    expect((await store.list({ repo, limit: 10 })).items).toHaveLength(2);
  });

  it('creates the builds of one delivery once when two requests race', async () => {
    const repo = freshRepo();
    const deliveryId = `race-${randomBytes(4).toString('hex')}`;
    const results = await Promise.all([
      store.createBuilds([buildRequestFor(repo)], deliveryId),
      store.createBuilds([buildRequestFor(repo)], deliveryId),
      store.createBuilds([buildRequestFor(repo)], deliveryId),
    ]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true, true]);
    const ids = results.map((r) => r.builds.map((b) => b.id));
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    expect((await store.list({ repo, limit: 10 })).items.map((b) => b.id)).toEqual(ids[0]);
  });

  it('lists newest first with filters', async () => {
    const repo = freshRepo();
    const other = freshRepo();
    const { builds } = await store.createBuilds([
      buildRequestFor(repo),
      buildRequestFor(repo, { ref: 'refs/heads/feature/x' }),
      buildRequestFor(repo, { ref: 'refs/tags/v1.0.0', event: 'tag' }),
      buildRequestFor(other),
      buildRequestFor(repo, { ref: 'refs/heads/feature/x' }),
    ]);
    const [main, featureA, tag, , featureB] = builds;
    await store.update(featureA.id, { status: 'failure' });

    const ids = async (query: BuildListQuery) =>
      (await store.list(query)).items.map((b) => b.id);
    expect(await ids({ repo, limit: 10 })).toEqual([featureB.id, tag.id, featureA.id, main.id]);
    expect(await ids({ repo, branch: 'feature/x', limit: 10 })).toEqual([featureB.id, featureA.id]);
    expect(await ids({ repo, status: 'failure', limit: 10 })).toEqual([featureA.id]);
    expect(await ids({ repo, branch: 'main', status: 'queued', limit: 10 })).toEqual([main.id]);
    const all = await ids({ limit: 100 });
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(all.slice(0, 5)).toEqual(builds.map((b) => b.id).reverse());
  });

  it('pages with a cursor that stays stable when builds are inserted between pages', async () => {
    const repo = freshRepo();
    const { builds } = await store.createBuilds(Array.from({ length: 7 }, () => buildRequestFor(repo)));
    const expected = builds.map((b) => b.id).reverse();

    const seen: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await store.list({ repo, limit: 3, cursor });
      seen.push(...result.items.map((b) => b.id));
      await store.createBuilds([buildRequestFor(repo)]); // a newer build must not shift the pages
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('filters by event and by full or abbreviated sha', async () => {
    const repo = freshRepo();
    const { builds } = await store.createBuilds([
      buildRequestFor(repo, { sha: '1'.repeat(40) }),
      buildRequestFor(repo, { ref: 'refs/tags/v1.0.0', event: 'tag', sha: '2'.repeat(40) }),
    ]);
    const ids = async (query: BuildListQuery) => (await store.list(query)).items.map((b) => b.id);
    expect(await ids({ repo, event: 'tag', limit: 10 })).toEqual([builds[1].id]);
    expect(await ids({ repo, sha: '2'.repeat(40), limit: 10 })).toEqual([builds[1].id]);
    expect(await ids({ repo, sha: '1111111', limit: 10 })).toEqual([builds[0].id]);
  });

  it('knows a repository\'s clone URL from its latest webhook build, never from manual builds or rebuilds', async () => {
    const repo = freshRepo();
    expect(await store.knownRepository(repo)).toBeUndefined();
    await store.createBuilds([buildRequestFor(repo, { event: 'manual', cloneUrl: 'https://elsewhere.example/x.git' })]);
    expect(await store.knownRepository(repo)).toBeUndefined();
    await store.createBuilds([buildRequestFor(repo, { cloneUrl: 'https://github.com/old/name.git' })]);
    await store.createBuilds([buildRequestFor(repo, { ref: 'refs/tags/v1', event: 'tag', defaultBranch: 'trunk' })]);
    await store.createBuilds([buildRequestFor(repo, { event: 'rebuild', cloneUrl: 'https://elsewhere.example/y.git' })]);
    expect(await store.knownRepository(repo)).toEqual({ cloneUrl: `https://github.com/${repo}.git`, defaultBranch: 'trunk' });
  });

  it('rejects a malformed cursor as invalid_request', async () => {
    const attempt = store.list({ limit: 10, cursor: 'not a cursor' });
    await expect(attempt).rejects.toBeInstanceOf(DrydockError);
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('transitions only from the expected statuses', async () => {
    const [build] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    const startedAt = '2024-05-01T10:00:00.000Z';
    const running = await store.transition(build.id, ['queued'], { status: 'running', startedAt });
    expect(running).toMatchObject({ id: build.id, status: 'running', startedAt });
    expect(await store.transition(build.id, ['queued'], { status: 'running' })).toBeUndefined();
    expect(await store.transition(build.id, [], { status: 'error' })).toBeUndefined();

    const finishedAt = '2024-05-01T10:05:00.000Z';
    const [cancel, succeed] = await Promise.all([
      store.transition(build.id, ['queued', 'running'], { status: 'cancelled', finishedAt }),
      store.transition(build.id, ['running'], { status: 'success', finishedAt }),
    ]);
    expect([cancel, succeed].filter((b) => b !== undefined)).toHaveLength(1);
    const final = await store.get(build.id);
    expect(final?.status).toBe((cancel ?? succeed)?.status);
    expect(final?.finishedAt).toBe(finishedAt);
  });

  it('saves and reads a build log, replacing it on a second save', async () => {
    const [build] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    expect(await archive.read(build.id)).toBeUndefined();
    const text = 'step 1/3 ✓\nunicode: ünïcødé 🚢\n\n';
    await archive.save(build.id, text);
    expect(await archive.read(build.id)).toBe(text);
    await archive.save(build.id, 'replaced\n');
    expect(await archive.read(build.id)).toBe('replaced\n');
  });

  it('prunes logs and deliveries from before a cutoff, keeps the builds, and names the clone URLs built since', async () => {
    const oldRepo = freshRepo();
    const [old] = (await store.createBuilds([buildRequestFor(oldRepo)], `delivery-old-${oldRepo}`)).builds;
    await archive.save(old.id, 'old log\n');
    await store.update(old.id, { status: 'success' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newRepo = freshRepo();
    const [recent] = (await store.createBuilds([buildRequestFor(newRepo)], `delivery-new-${newRepo}`)).builds;
    await archive.save(recent.id, 'new log\n');

    const pruned = await store.pruneBefore(cutoff);

    expect(pruned.logs).toBeGreaterThanOrEqual(1);
    expect(pruned.deliveries).toBeGreaterThanOrEqual(1);
    expect(await archive.read(old.id)).toBeUndefined();
    expect(await archive.read(recent.id)).toBe('new log\n');
    expect((await store.get(old.id))?.id).toBe(old.id);
    // the delivery is gone, so a redelivery of it creates builds again; the recent one is still known
    expect((await store.createBuilds([buildRequestFor(newRepo)], `delivery-new-${newRepo}`)).duplicate).toBe(true);
    expect((await store.createBuilds([buildRequestFor(oldRepo)], `delivery-old-${oldRepo}`)).duplicate).toBe(false);
    const inUse = await store.cloneUrlsBuiltSince(cutoff);
    expect(inUse).toContain(recent.cloneUrl);
    expect(await store.pruneBefore(cutoff)).toEqual({ logs: 0, deliveries: 0 });
  });

  it('claims a queued build for one run only, recording the run, its worker, the attempt and a heartbeat', async () => {
    const [build] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    const startedAt = '2024-05-01T10:00:00.000Z';
    const claims = await Promise.all(
      ['run-a', 'run-b', 'run-c'].map((runId) => store.claim(build.id, { runId, owner: `host/${runId}` }, { startedAt, steps: [] }, 1)),
    );
    const won = claims.filter((c) => typeof c !== 'string');
    expect(claims.filter((c) => typeof c === 'string')).toEqual(['not_queued', 'not_queued']);
    expect(won).toHaveLength(1);
    const [claimed] = won;
    expect(claimed).toMatchObject({ id: build.id, status: 'running', startedAt, run: { attempt: 1, owner: `host/${claimed?.run.runId}` } });
    expect(Date.parse(claimed?.run.heartbeatAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(await store.claim(build.id, { runId: 'late', owner: 'host/late' }, {}, 1)).toBe('not_queued');
    expect((await store.listUnfinished()).find((b) => b.id === build.id)?.run).toEqual(claimed?.run);
  });

  it('runs at most repoConcurrency builds of one repository, started in the order they were created', async () => {
    const repo = freshRepo();
    const [first, second, third] = (
      await store.createBuilds(['1', '2', '3'].map((c) => buildRequestFor(repo, { sha: c.repeat(40) })))
    ).builds;
    const [other] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    const claim = (id: number, runId: string, limit = 1) => store.claim(id, { runId, owner: 'host/1' }, {}, limit);

    expect(await claim(second.id, 'early')).toBe('repo_busy'); // the first is older and still queued
    expect((await store.get(second.id))?.status).toBe('queued');
    expect(claimedBuild(await claim(first.id, 'r1')).id).toBe(first.id);
    expect(await claim(second.id, 'r2')).toBe('repo_busy'); // one running already
    expect(claimedBuild(await claim(other.id, 'o1')).id).toBe(other.id); // another repository is not held up
    expect(claimedBuild(await claim(second.id, 'r2', 2)).id).toBe(second.id);
    expect(await claim(third.id, 'r3', 2)).toBe('repo_busy');

    await store.transition(first.id, ['running'], { status: 'success' }, 'r1');
    expect(claimedBuild(await claim(third.id, 'r3', 2)).id).toBe(third.id);
  });

  it('never lets concurrent claims of one repository overshoot its limit', async () => {
    const repo = freshRepo();
    const builds = (await store.createBuilds(['4', '5', '6', '7'].map((c) => buildRequestFor(repo, { sha: c.repeat(40) })))).builds;
    claimedBuild(await store.claim(builds[0].id, { runId: 'first', owner: 'host/1' }, {}, 2));
    for (let round = 0; round < 3; round++) {
      await Promise.all(builds.slice(1).map((b, i) => store.claim(b.id, { runId: `race-${round}-${i}`, owner: `host/${i}` }, {}, 2)));
    }
    const running = (await store.listUnfinished()).filter((b) => b.repo === repo && b.status === 'running');
    expect(running.map((b) => b.id).sort((x, y) => x - y)).toEqual([builds[0].id, builds[1].id]);
  });

  it('fences every write of a run on its id: a run taken over writes nothing more', async () => {
    const [build] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    const first = claimedBuild(await store.claim(build.id, { runId: 'first', owner: 'host/1' }, {}, 1));
    expect(first.run.runId).toBe('first');
    const step = { name: 'clone' as const, status: 'running' as const, startedAt: null, finishedAt: null };
    expect(await store.updateRun(build.id, 'first', { steps: [step] })).toMatchObject({ steps: [step] });

    const taken = await store.takeOver(build.id, 'first', { runId: 'reconciler', owner: 'host/2' });
    expect(taken?.run).toMatchObject({ runId: 'reconciler', owner: 'host/2', attempt: 1 });
    expect(await store.takeOver(build.id, 'first', { runId: 'other', owner: 'host/3' })).toBeUndefined();
    expect(await store.updateRun(build.id, 'first', { steps: [] })).toBeUndefined();
    expect(await store.transition(build.id, ['running'], { status: 'success' }, 'first')).toBeUndefined();
    expect(await store.get(build.id)).toMatchObject({ status: 'running', steps: [step] });

    // the new owner writes; putting the build back in the queue drops its run, and the next claim is attempt 2
    expect(await store.updateRun(build.id, 'reconciler', {})).toMatchObject({ status: 'running' });
    expect(await store.transition(build.id, ['running'], { status: 'queued' }, 'reconciler')).toMatchObject({ status: 'queued' });
    expect((await store.listUnfinished()).find((b) => b.id === build.id)?.run).toEqual({ runId: null, owner: null, attempt: 1, heartbeatAt: null });
    expect(await store.updateRun(build.id, 'reconciler', {})).toBeUndefined();
    const second = claimedBuild(await store.claim(build.id, { runId: 'second', owner: 'host/4' }, {}, 1));
    expect(second.run).toMatchObject({ runId: 'second', attempt: 2 });
    expect(await store.transition(build.id, ['running'], { status: 'failure' }, 'second')).toMatchObject({ status: 'failure' });
  });

  it('refreshes the heartbeat on every fenced write; a cancel keeps the run, which may close its steps but not end the build', async () => {
    const [build] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    const claimed = claimedBuild(await store.claim(build.id, { runId: 'beating', owner: 'host/1' }, {}, 1));
    await new Promise((resolve) => setTimeout(resolve, 15));
    await store.updateRun(build.id, 'beating', {});
    const [after] = (await store.listUnfinished()).filter((b) => b.id === build.id);
    expect(Date.parse(after.run.heartbeatAt ?? '')).toBeGreaterThan(Date.parse(claimed.run.heartbeatAt ?? ''));

    expect(await store.transition(build.id, ['queued', 'running'], { status: 'cancelled' })).toMatchObject({ status: 'cancelled' });
    expect(await store.updateRun(build.id, 'beating', { steps: [] })).toMatchObject({ status: 'cancelled' });
    expect(await store.transition(build.id, ['running'], { status: 'success' }, 'beating')).toBeUndefined();
  });

  it('takes over a running build that has no run (stored before runs existed)', async () => {
    const [build] = (await store.createBuilds([buildRequestFor(freshRepo())])).builds;
    await store.update(build.id, { status: 'running' });
    expect(await store.takeOver(build.id, 'someone', { runId: 'r', owner: 'h/1' })).toBeUndefined();
    expect((await store.takeOver(build.id, null, { runId: 'r', owner: 'h/1' }))?.run).toMatchObject({ runId: 'r', attempt: 0 });
  });

  it('lists unfinished builds oldest first', async () => {
    const { builds } = await store.createBuilds([buildRequestFor(freshRepo()), buildRequestFor(freshRepo()), buildRequestFor(freshRepo())]);
    const [queued, running, done] = builds;
    await store.update(running.id, { status: 'running' });
    await store.update(done.id, { status: 'success' });
    const unfinished = (await store.listUnfinished()).map((b) => b.id);
    expect(unfinished.filter((id) => builds.some((b) => b.id === id))).toEqual([queued.id, running.id]);
    expect(unfinished).toEqual([...unfinished].sort((a, b) => a - b));
  });

  it('lists a repository\'s open builds, blocked ones too, oldest first', async () => {
    const repo = freshRepo();
    const { builds } = await store.createBuilds([
      buildRequestFor(repo),
      buildRequestFor(repo, { fork: true, blocked: true, pullRequest: 3, ref: 'refs/pull/3/head', event: 'pull_request' }),
      buildRequestFor(repo),
      buildRequestFor(repo),
    ]);
    const [queued, blocked, running, done] = builds;
    await store.createBuilds([buildRequestFor(freshRepo())]);
    await store.update(running.id, { status: 'running' });
    await store.update(done.id, { status: 'cancelled' });
    expect((await store.openBuildsOf(repo)).map((b) => `${b.id} ${b.status}`)).toEqual([`${queued.id} queued`, `${blocked.id} blocked`, `${running.id} running`]);
    expect(await store.openBuildsOf(freshRepo())).toEqual([]);
  });

  it('counts the queued builds created before a build: its place in the queue', async () => {
    const { builds } = await store.createBuilds([buildRequestFor(freshRepo()), buildRequestFor(freshRepo()), buildRequestFor(freshRepo())]);
    const [first, second, third] = builds;
    const before = await store.queuedAhead(first.id);
    expect(await store.queuedAhead(third.id)).toBe(before + 2);
    await store.update(first.id, { status: 'running' });
    expect(await store.queuedAhead(third.id)).toBe(before + 1);
    expect(await store.queuedAhead(second.id)).toBe(before);
  });

  /** Ends a build `status`, having taken `seconds` (from a fixed start). */
  const end = (id: number, status: 'success' | 'failure' | 'error' | 'cancelled', seconds = 60, images: BuildImage[] = []) =>
    store.update(id, { status, startedAt: START, finishedAt: new Date(Date.parse(START) + seconds * 1000).toISOString(), images });
  const createMany = async (repo: string, count: number, overrides: Partial<BuildRequest> = {}) =>
    (await store.createBuilds(Array.from({ length: count }, () => buildRequestFor(repo, overrides)))).builds;
  const imagesOf = (repo: string, tag: string): BuildImage[] => [{ name: `localhost:5000/${repo}`, tags: [tag, 'sha-aaaaaaa'], digest: `sha256:${'d'.repeat(64)}` }];

  it('summarises a repository: all its builds, the success rate of those that ended, the median duration of the successful ones', async () => {
    const repo = freshRepo();
    const [s60, s120, failure, s300, error, cancelled, queued, running, blocked] = await createMany(repo, 9);
    await end(s60.id, 'success', 60);
    await end(s120.id, 'success', 120);
    await end(failure.id, 'failure', 5);
    await end(s300.id, 'success', 300);
    await end(error.id, 'error', 1);
    await end(cancelled.id, 'cancelled', 1);
    await store.update(running.id, { status: 'running', startedAt: START });
    await store.transition(blocked.id, ['queued'], { status: 'blocked' });
    const [otherFailure] = await createMany(freshRepo(), 1);
    await end(otherFailure.id, 'failure');
    expect((await store.get(queued.id))?.status).toBe('queued');

    expect(await store.repoSummary(repo)).toEqual({ repo, builds: 9, successRate: 3 / 5, medianDurationMs: 120_000, latestImages: [] });
    const [s240] = await createMany(repo, 1);
    await end(s240.id, 'success', 240);
    expect(await store.repoSummary(repo)).toMatchObject({ builds: 10, successRate: 4 / 6, medianDurationMs: 180_000 }); // an even count: the mean of the middle two
  });

  it('has no rate and no median for a repository none of whose builds ended success, failure or error', async () => {
    const repo = freshRepo();
    const [cancelled] = await createMany(repo, 2);
    await end(cancelled.id, 'cancelled');
    expect(await store.repoSummary(repo)).toEqual({ repo, builds: 2, successRate: null, medianDurationMs: null, latestImages: [] });
    const failing = freshRepo();
    const [failed] = await createMany(failing, 1);
    await end(failed.id, 'failure');
    expect(await store.repoSummary(failing)).toMatchObject({ successRate: 0, medianDurationMs: null });
  });

  it('takes the success rate over the newest 100 builds that ended success, failure or error, never counting cancelled ones', async () => {
    const repo = freshRepo();
    const builds = await createMany(repo, 103);
    await end(builds[0].id, 'failure'); // out of the window
    await end(builds[1].id, 'error'); // the oldest in it
    for (const build of builds.slice(2, 101)) await end(build.id, 'success');
    await end(builds[101].id, 'cancelled'); // newer, but never counts
    await end(builds[102].id, 'cancelled');
    // 99 successes and one error: not 99/101 (every build), not 99/99 (cancelled ones taking places)
    expect((await store.repoSummary(repo))?.successRate).toBe(99 / 100);
  });

  it('takes the median duration over the newest 100 successful builds', async () => {
    const repo = freshRepo();
    const builds = await createMany(repo, 102);
    await end(builds[0].id, 'success', 3600); // out of the window
    await end(builds[1].id, 'failure', 7200); // failures never count
    for (const [i, build] of builds.slice(2).entries()) await end(build.id, 'success', i % 2 === 0 ? 10 : 20);
    // 50 of 10 s and 50 of 20 s: with the hour-long one it would be 20 s
    expect((await store.repoSummary(repo))?.medianDurationMs).toBe(15_000);
  });

  it('names, per branch and tag, the newest successful build that pushed images, newest first', async () => {
    const repo = freshRepo();
    const [mainOld, tagMain, featureX, mainNew, mainNoImages, mainFailed, tag, pullRequest, manual] = (
      await store.createBuilds([
        buildRequestFor(repo),
        buildRequestFor(repo, { ref: 'refs/tags/main', event: 'tag' }), // a tag named like the branch: one entry, the newer build
        buildRequestFor(repo, { ref: 'refs/heads/feature/x' }),
        buildRequestFor(repo),
        buildRequestFor(repo),
        buildRequestFor(repo),
        buildRequestFor(repo, { ref: 'refs/tags/v1.2.3', event: 'tag' }),
        buildRequestFor(repo, { ref: 'refs/pull/4/head', event: 'pull_request', pullRequest: 4 }),
        buildRequestFor(repo, { ref: 'refs/heads/release', event: 'manual' }),
      ])
    ).builds;
    await end(mainOld.id, 'success', 60, imagesOf(repo, 'main-old'));
    await end(tagMain.id, 'success', 60, imagesOf(repo, 'tag-main'));
    await end(featureX.id, 'success', 60, imagesOf(repo, 'feature-x'));
    await end(mainNew.id, 'success', 60, imagesOf(repo, 'main'));
    await end(mainNoImages.id, 'success', 60, []); // pushed nothing (every image skipped)
    await end(mainFailed.id, 'failure', 60, imagesOf(repo, 'main-failed'));
    await end(tag.id, 'success', 60, imagesOf(repo, 'v1.2.3'));
    await end(pullRequest.id, 'success', 60, imagesOf(repo, 'pr-4')); // not a branch
    await store.update(manual.id, { images: imagesOf(repo, 'release') }); // still queued
    const [elsewhere] = await createMany(freshRepo(), 1, { ref: 'refs/heads/other' });
    await end(elsewhere.id, 'success', 60, imagesOf(repo, 'other'));

    expect((await store.repoSummary(repo))?.latestImages).toEqual([
      { branch: 'v1.2.3', buildId: tag.id, images: imagesOf(repo, 'v1.2.3') },
      { branch: 'main', buildId: mainNew.id, images: imagesOf(repo, 'main') },
      { branch: 'feature/x', buildId: featureX.id, images: imagesOf(repo, 'feature-x') },
    ]);
  });

  it('names at most 20 branches, the ones built most recently', async () => {
    const repo = freshRepo();
    const builds = (await store.createBuilds(Array.from({ length: 22 }, (_, i) => buildRequestFor(repo, { ref: `refs/heads/b${i}` })))).builds;
    for (const [i, build] of builds.entries()) await end(build.id, 'success', 60, imagesOf(repo, `b${i}`));
    const latest = (await store.repoSummary(repo))?.latestImages ?? [];
    expect(latest.map((l) => l.branch)).toEqual(Array.from({ length: 20 }, (_, i) => `b${21 - i}`));
  });

  it('has no summary of a repository with no builds', async () => {
    expect(await store.repoSummary(freshRepo())).toBeUndefined();
  });

  it('shows what waits (blocked and queued) and what runs, oldest first, and how many builds each worker runs', async () => {
    const workerA = `worker-a-${randomBytes(3).toString('hex')}/101`;
    const workerB = `worker-b-${randomBytes(3).toString('hex')}/202`;
    const repo = freshRepo();
    const [runA1, runA2, runB, noRun, ran] = await createMany(repo, 5);
    const claim = (id: number, owner: string) => store.claim(id, { runId: `run-${id}`, owner }, {}, 10);
    claimedBuild(await claim(runA1.id, workerA));
    claimedBuild(await claim(runA2.id, workerA));
    claimedBuild(await claim(runB.id, workerB));
    await store.update(noRun.id, { status: 'running' }); // a build from before runs: it runs, but no worker is known
    claimedBuild(await claim(ran.id, workerB));
    await store.transition(ran.id, ['running'], { status: 'success' }, `run-${ran.id}`);
    const waiting = freshRepo();
    const [queued, blocked, cancelled, queuedLater] = await createMany(waiting, 4);
    await store.transition(blocked.id, ['queued'], { status: 'blocked' });
    await end(cancelled.id, 'cancelled');

    const view = await store.queueView(200);
    const mine = (builds: readonly { id: number }[], of: readonly { id: number }[]) => builds.map((b) => b.id).filter((id) => of.some((b) => b.id === id));
    expect(mine(view.queued, [queued, blocked, cancelled, queuedLater, runA1])).toEqual([queued.id, blocked.id, queuedLater.id]);
    expect(mine(view.running, [runA1, runA2, runB, noRun, ran, queued])).toEqual([runA1.id, runA2.id, runB.id, noRun.id]);
    expect(view.queued.find((b) => b.id === blocked.id)).toEqual(await store.get(blocked.id));
    expect(view.running.find((b) => b.id === runB.id)).toEqual(await store.get(runB.id));
    expect(view.queued.every((b) => b.status === 'queued' || b.status === 'blocked')).toBe(true);
    expect(view.running.every((b) => b.status === 'running')).toBe(true);
    for (const list of [view.queued, view.running]) expect(list.map((b) => b.id)).toEqual(list.map((b) => b.id).sort((x, y) => x - y));
    expect(view.workers.filter((w) => w.owner === workerA || w.owner === workerB)).toEqual([
      { owner: workerA, running: 2 },
      { owner: workerB, running: 1 },
    ]);
    expect(view.workers.every((w) => w.owner !== null && w.running > 0)).toBe(true);

    await store.transition(runB.id, ['running'], { status: 'failure' }, `run-${runB.id}`);
    expect((await store.queueView(200)).workers.map((w) => w.owner)).not.toContain(workerB);
  });

  it('cuts each queue list to its oldest builds, and counts every running build for the workers', async () => {
    const worker = `worker-c-${randomBytes(3).toString('hex')}/303`;
    const builds = await createMany(freshRepo(), 3);
    for (const build of builds) claimedBuild(await store.claim(build.id, { runId: `cut-${build.id}`, owner: worker }, {}, 10));
    await createMany(freshRepo(), 2);
    const full = await store.queueView(200);
    const cut = await store.queueView(1);
    expect(cut.queued).toEqual(full.queued.slice(0, 1));
    expect(cut.running).toEqual(full.running.slice(0, 1));
    expect(cut.workers.find((w) => w.owner === worker)).toEqual({ owner: worker, running: 3 });
    expect(cut.workers).toEqual(full.workers);
  });
  });
}


/** The build a claim took; a refusal fails the test, naming it. */
function claimedBuild(result: BuildWithRun | ClaimRefusal): BuildWithRun {
  if (typeof result === 'string') throw new Error(`expected the claim to take the build, it answered ${result}`);
  return result;
}

let repoCounter = 0;
/** Each test works on its own repository, so tests sharing a database do not see each other's builds. */
const freshRepo = () => `acme/app-${++repoCounter}-${randomBytes(3).toString('hex')}`;

export function buildRequestFor(repo: string, overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    repo,
    cloneUrl: `https://github.com/${repo}.git`,
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    event: 'push',
    defaultBranch: 'main',
    ...overrides,
  };
}

/** A fixed start for builds whose durations matter. */
const START = '2024-05-01T10:00:00.000Z';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
