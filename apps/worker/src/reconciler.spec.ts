import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '@drydock/core';
import type { BuildStore, BuildWithRun } from '@drydock/store';
import { createMemoryBuildStore, FakeDockerEngine, InMemoryBuildEvents, InMemoryBuildLogs, RecordingReporter } from '@drydock/testing';
import { reconcileActions, Reconciler } from './reconciler.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const RULES = { staleAfterMs: 20_000, maxAttempts: 2 };

const stored = (id: number, status: 'queued' | 'running', run: Partial<BuildWithRun['run']> = {}): BuildWithRun =>
  ({ id, status, run: { runId: status === 'running' ? `run-${id}` : null, owner: 'host/1', attempt: 1, heartbeatAt: null, ...run } }) as BuildWithRun;
const secondsAgo = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('reconcileActions', () => {
  it('queues a queued build that has no job once it was seen without one on two passes in a row', () => {
    const builds = [stored(1, 'queued'), stored(2, 'queued')];
    const first = reconcileActions(builds, new Set([2]), new Set(), NOW, RULES);
    expect(first.actions).toEqual([]);
    expect([...first.jobless]).toEqual([1]);
    const second = reconcileActions(builds, new Set([2]), first.jobless, NOW, RULES);
    expect(second.actions).toEqual([{ kind: 'enqueue', buildId: 1 }]);
    // it got its job meanwhile: nothing
    expect(reconcileActions(builds, new Set([1, 2]), first.jobless, NOW, RULES).actions).toEqual([]);
  });

  it('leaves a running build whose run is heard from, queues again one whose run went silent, and ends it when no run is left', () => {
    const alive = stored(1, 'running', { heartbeatAt: secondsAgo(5) });
    const silentFirst = stored(2, 'running', { heartbeatAt: secondsAgo(25), attempt: 1 });
    const silentSecond = stored(3, 'running', { heartbeatAt: secondsAgo(25), attempt: 2 });
    const fromBeforeRuns = stored(4, 'running', { runId: null, owner: null, attempt: 0, heartbeatAt: null });
    const { actions } = reconcileActions([alive, silentFirst, silentSecond, fromBeforeRuns], new Set(), new Set(), NOW, RULES);
    expect(actions).toEqual([
      { kind: 'requeue', build: silentFirst },
      { kind: 'fail', build: silentSecond },
      { kind: 'requeue', build: fromBeforeRuns },
    ]);
  });
});

/** The queue as the reconciler uses it: jobs are build ids. */
class FakeQueue {
  readonly live = new Set<number>();
  readonly enqueued: number[] = [];
  async enqueue(buildId: number): Promise<void> {
    this.enqueued.push(buildId);
    this.live.add(buildId);
  }
  async liveBuildIds(): Promise<Set<number>> {
    return new Set(this.live);
  }
}

describe('Reconciler', () => {
  let store: BuildStore;
  let close: () => Promise<void>;
  let queue: FakeQueue;
  let logs: InMemoryBuildLogs;
  let events: InMemoryBuildEvents;
  let reporter: RecordingReporter;
  let engine: FakeDockerEngine;
  let clock: number;
  let reconciler: Reconciler;
  const warnings: string[] = [];

  beforeEach(async () => {
    ({ store, close } = await createMemoryBuildStore());
    queue = new FakeQueue();
    logs = new InMemoryBuildLogs();
    events = new InMemoryBuildEvents();
    reporter = new RecordingReporter();
    engine = new FakeDockerEngine();
    clock = Date.now();
    reconciler = new Reconciler({ store, queue, logs, events, reporter, engine, dataDir: '/nonexistent', warn: (m) => warnings.push(m), now: () => clock, rules: RULES });
  });
  afterEach(() => close());

  const request: BuildRequest = { repo: 'acme/widget', cloneUrl: 'https://github.com/acme/widget.git', ref: 'refs/heads/main', sha: 'a'.repeat(40), event: 'push', defaultBranch: 'main' };
  const claimed = async (runId: string) => {
    const [build] = (await store.createBuilds([request])).builds;
    await store.claim(build.id, { runId, owner: 'dead-host/7' }, { steps: [{ name: 'clone', status: 'running', startedAt: null, finishedAt: null }] }, 1);
    logs.open(build.id, [], { id: runId, attempt: 1 }).line('==> clone');
    return build;
  };

  it('queues a build stored without a job on its second pass', async () => {
    const [build] = (await store.createBuilds([request])).builds;
    expect(await reconciler.pass()).toEqual([]);
    expect(await reconciler.pass()).toEqual([{ kind: 'enqueue', buildId: build.id }]);
    expect(queue.enqueued).toEqual([build.id]);
    expect(await reconciler.pass()).toEqual([]);
  });

  it('leaves a run that is heard from alone', async () => {
    const build = await claimed('alive');
    clock += 10_000;
    expect(await reconciler.pass()).toEqual([]);
    expect(await store.updateRun(build.id, 'alive', {})).toMatchObject({ status: 'running' });
  });

  it('queues a build whose worker went silent again, once, fencing the lost run out, then ends it error "worker lost"', async () => {
    const build = await claimed('lost-1');
    clock += 25_000;
    expect((await reconciler.pass()).map((a) => a.kind)).toEqual(['requeue']);

    expect(await store.get(build.id)).toMatchObject({ status: 'queued', steps: [], startedAt: null });
    expect(queue.enqueued).toEqual([build.id]);
    expect(engine.trace()).toEqual([`remove ${build.id}`]);
    expect(await store.updateRun(build.id, 'lost-1', { steps: [] })).toBeUndefined(); // the lost run, should it come back
    expect(logs.text(build.id)).toMatch(/==> clone\n\[drydock\] worker lost: dead-host\/7 stopped answering; queued again \(attempt 2 of 2\)\n$/);
    expect(logs.isClosed(build.id)).toBe(false);
    expect(events.published).toContainEqual({ type: 'build.changed', buildId: build.id, status: 'queued' });

    // the second run is lost too
    await store.claim(build.id, { runId: 'lost-2', owner: 'dead-host/8' }, { steps: [{ name: 'clone', status: 'running', startedAt: null, finishedAt: null }, { name: 'config', status: 'pending', startedAt: null, finishedAt: null }] }, 1);
    clock += 25_000;
    expect((await reconciler.pass()).map((a) => a.kind)).toEqual(['fail']);

    const ended = await store.get(build.id);
    expect(ended).toMatchObject({ status: 'error', error: 'worker lost', finishedAt: expect.any(String) });
    expect(ended?.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(['clone: error', 'config: skipped']);
    expect(reporter.last()).toMatchObject({ state: 'error', description: 'worker lost' });
    expect(await logs.archive.read(build.id)).toMatch(/\[drydock\] build failed: worker lost \(dead-host\/8 stopped answering, attempt 2 of 2\)\n$/);
    expect(events.published.at(-1)).toEqual({ type: 'build.finished', buildId: build.id, status: 'error' });
    expect(queue.enqueued).toEqual([build.id]);
    expect(await reconciler.pass()).toEqual([]);
  });

  it('does nothing about a run that was heard from between the listing and the take-over', async () => {
    const build = await claimed('late');
    clock += 25_000;
    const listing = store.listUnfinished.bind(store);
    store.listUnfinished = async () => {
      const builds = await listing();
      await store.updateRun(build.id, 'late', {});
      await store.takeOver(build.id, 'late', { runId: 'someone-else', owner: 'h/2' }); // e.g. another leader got there first
      return builds;
    };
    await reconciler.pass();
    expect(await store.get(build.id)).toMatchObject({ status: 'running' });
    expect(queue.enqueued).toEqual([]);
    expect(engine.trace()).toEqual([]);
  });
});
