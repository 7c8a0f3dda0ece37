import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '@drydock/core';
import type { BuildStore } from '@drydock/store';
import { createMemoryBuildStore, rejectionOf } from '@drydock/testing';
import { OverviewService, QUEUE_LIST_LIMIT } from './overview.service.js';

const push = (repo = 'acme/widget', ref = 'refs/heads/main'): BuildRequest => ({
  repo,
  cloneUrl: `https://github.com/${repo}.git`,
  ref,
  sha: 'a'.repeat(40),
  event: 'push',
  defaultBranch: 'main',
});

describe('OverviewService', () => {
  let store: BuildStore;
  let close: () => Promise<void>;
  let service: OverviewService;

  beforeEach(async () => {
    ({ store, close } = await createMemoryBuildStore());
    service = new OverviewService(store);
  });
  afterEach(() => close());

  it("summarises a repository's stored builds", async () => {
    const [ok, failed, tagged] = (await store.createBuilds([push(), push(), push('acme/widget', 'refs/tags/v2.0.0')])).builds;
    const images = [{ name: 'localhost:5000/acme/widget', tags: ['v2.0.0'], digest: `sha256:${'e'.repeat(64)}` }];
    await store.update(ok.id, { status: 'success', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:01:30.000Z' });
    await store.update(failed.id, { status: 'failure', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:00:05.000Z' });
    await store.update(tagged.id, { status: 'success', startedAt: '2024-05-01T11:00:00.000Z', finishedAt: '2024-05-01T11:02:30.000Z', images });
    await store.createBuilds([push('acme/other')]);

    expect(await service.repoSummary('acme/widget')).toEqual({
      repo: 'acme/widget',
      builds: 3,
      successRate: 2 / 3,
      medianDurationMs: 120_000,
      latestImages: [{ branch: 'v2.0.0', buildId: tagged.id, images }],
    });
  });

  it('answers not_found, naming it, for a repository with no build', async () => {
    await store.createBuilds([push()]);
    const err = await rejectionOf(service.repoSummary('acme/unknown'));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('acme/unknown');
  });

  it(`shows the ${QUEUE_LIST_LIMIT} oldest waiting builds and the running ones, with their workers`, async () => {
    const builds = (await store.createBuilds(Array.from({ length: QUEUE_LIST_LIMIT + 3 }, (_, i) => push(`acme/app-${i}`)))).builds;
    await store.claim(builds[0].id, { runId: 'r0', owner: 'builder-1/42' }, {}, 1);
    await store.claim(builds[1].id, { runId: 'r1', owner: 'builder-1/42' }, {}, 1);
    const view = await service.queue();
    expect(view.running.map((b) => b.id)).toEqual([builds[0].id, builds[1].id]);
    expect(view.queued.map((b) => b.id)).toEqual(builds.slice(2, 2 + QUEUE_LIST_LIMIT).map((b) => b.id));
    expect(view.workers).toEqual([{ owner: 'builder-1/42', running: 2 }]);
  });
});
