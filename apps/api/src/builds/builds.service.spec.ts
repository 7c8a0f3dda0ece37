import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '@drydock/core';
import type { BuildQueue } from '@drydock/queue';
import type { BuildStore } from '@drydock/store';
import { createMemoryBuildStore, InMemoryBuildEvents, RecordingReporter, rejectionOf } from '@drydock/testing';
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
  let service: BuildsService;

  beforeEach(async () => {
    ({ store, close } = await createMemoryBuildStore());
    queue = new RecordingQueue();
    reporter = new RecordingReporter();
    events = new InMemoryBuildEvents();
    service = new BuildsService(store, reporter, queue as unknown as BuildQueue, events);
  });
  afterEach(() => close());

  it('stores, reports pending and queues a build once per delivery', async () => {
    const first = await service.create([push()], 'delivery-1');
    const again = await service.create([push()], 'delivery-1');
    expect(again).toEqual({ builds: first.builds, duplicate: true });
    expect(queue.calls).toEqual([`enqueue ${first.builds[0].id}`]);
    expect(reporter.reports.map((r) => `${r.state} ${r.description}`)).toEqual(['pending Queued']);
  });

  it('resolves a trigger by owner/name through the repository\'s last build', async () => {
    await service.create([push()]);
    const triggered = await service.trigger({ repo: 'acme/widget', ref: 'release' });
    expect(triggered).toMatchObject({ repo: 'acme/widget', cloneUrl: 'https://github.com/acme/widget.git', ref: 'refs/heads/release', event: 'manual', defaultBranch: 'main' });
    expect((await rejectionOf(service.trigger({ repo: 'acme/unknown' }))).code).toBe('invalid_request');
    expect((await rejectionOf(service.trigger({ repo: 'acme/unknown', ref: 'main' }))).code).toBe('not_found');
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
    const raced = new BuildsService(racing, reporter, queue as unknown as BuildQueue, events);
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
});
