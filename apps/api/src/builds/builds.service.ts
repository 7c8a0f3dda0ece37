import { Inject, Injectable, Logger } from '@nestjs/common';
import { DrydockError, isFinal, nowIso, type Build, type BuildRequest } from '@drydock/core';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { BUILD_REPORTER, type BuildReporter } from '@drydock/github';
import { BuildQueue } from '@drydock/queue';
import { BUILD_STORE, type BuildListQuery, type BuildPage, type BuildStore } from '@drydock/store';
import { manualBuildRequest, repoOfTrigger, type TriggerBody } from './build-request.js';

/**
 * Creating, rebuilding and cancelling builds. A build is stored before it is queued
 * (the worker re-queues stored builds that never reached the queue), and GitHub hears
 * "pending" before a worker can report anything later.
 */
@Injectable()
export class BuildsService {
  private readonly logger = new Logger(BuildsService.name);

  constructor(
    @Inject(BUILD_STORE) private readonly store: BuildStore,
    @Inject(BUILD_REPORTER) private readonly reporter: BuildReporter,
    private readonly queue: BuildQueue,
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
  ) {}

  /** Stores and queues builds; a delivery seen before returns its earlier builds and queues nothing. */
  async create(requests: BuildRequest[], deliveryId?: string): Promise<{ builds: Build[]; duplicate: boolean }> {
    const { builds, duplicate } = await this.store.createBuilds(requests, deliveryId);
    if (duplicate) return { builds, duplicate };
    for (const build of builds) {
      await this.reportQuietly(build, 'pending', 'Queued');
      await this.queue.enqueue(build.id);
    }
    return { builds, duplicate };
  }

  list(query: BuildListQuery): Promise<BuildPage> {
    return this.store.list(query);
  }

  /** A manual build; an `owner/name` is resolved through the repository's last build. */
  async trigger(body: TriggerBody): Promise<Build> {
    const previous = (await this.store.list({ repo: repoOfTrigger(body), limit: 1 })).items[0];
    const { builds } = await this.create([manualBuildRequest(body, previous)]);
    return builds[0];
  }

  async get(id: number): Promise<Build> {
    const build = await this.store.get(id);
    if (!build) throw new DrydockError('not_found', `build ${id} not found`);
    return build;
  }

  async rebuild(id: number): Promise<Build> {
    const original = await this.get(id);
    const request: BuildRequest = {
      repo: original.repo,
      cloneUrl: original.cloneUrl,
      ref: original.ref,
      sha: original.sha,
      event: 'rebuild',
      defaultBranch: original.defaultBranch,
      rebuildOf: original.id,
    };
    const { builds } = await this.create([request]);
    return builds[0];
  }

  /** A queued build never starts; a running one is stopped by its worker, which removes its containers. */
  async cancel(id: number): Promise<Build> {
    const build = await this.get(id);
    if (isFinal(build.status)) throw new DrydockError('conflict', `build ${id} has already finished (${build.status})`);
    const cancelled = await this.store.transition(id, ['queued', 'running'], { status: 'cancelled', finishedAt: nowIso(), error: 'Cancelled' });
    if (!cancelled) return this.cancel(id); // it moved on meanwhile: answer for its new state
    // A worker may have taken the job since we read the build: it hears this and stops.
    await this.queue.requestCancel(id);
    if (build.status === 'queued') {
      // No worker will finish or report a build it never started.
      await this.queue.withdraw(id);
      await this.events.publish({ type: 'build.finished', buildId: id, status: 'cancelled' });
      await this.reportQuietly(cancelled, 'error', 'Cancelled');
    }
    return cancelled;
  }

  private async reportQuietly(build: Build, state: 'pending' | 'error', description: string): Promise<void> {
    const problem = await this.reporter.report(build, { state, description });
    if (problem) this.logger.warn(`build ${build.id}: ${problem}`);
  }
}
