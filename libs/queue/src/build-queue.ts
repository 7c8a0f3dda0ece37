import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { JobType, Queue } from 'bullmq';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { BUILD_QUEUE, JobName, buildJobOptions, type JobOf } from './build-jobs.js';

/** Jobs that will still run or are running. */
const WAITING_STATES: JobType[] = ['waiting', 'delayed', 'prioritized', 'waiting-children'];
const LIVE_STATES: JobType[] = ['active', ...WAITING_STATES];

/**
 * The producer side: queue a stored build (a fresh job each time), take back a waiting one,
 * ask workers to stop a running one, and tell which builds have a job that will still run.
 */
@Injectable()
export class BuildQueue {
  constructor(
    @InjectQueue(BUILD_QUEUE) private readonly queue: Queue<JobOf<typeof JobName.RunBuild>>,
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
  ) {}

  async enqueue(buildId: number): Promise<void> {
    await this.queue.add(JobName.RunBuild, { buildId }, buildJobOptions(buildId));
  }

  /** Removes the build's jobs that no worker holds yet. */
  async withdraw(buildId: number): Promise<void> {
    const jobs = await this.queue.getJobs(WAITING_STATES);
    // A worker may take one meanwhile; then the cancel request reaches that worker.
    for (const job of jobs.filter((j) => j?.data?.buildId === buildId)) await job.remove().catch(() => undefined);
  }

  /** The builds that have a job waiting or running (the reconciler queues a queued build that has none). */
  async liveBuildIds(): Promise<Set<number>> {
    const jobs = await this.queue.getJobs(LIVE_STATES);
    return new Set(jobs.flatMap((job) => (typeof job?.data?.buildId === 'number' ? [job.data.buildId] : [])));
  }

  /** Publishes `build.cancel_requested`: whichever worker runs the build stops it (see CancelListener). */
  async requestCancel(buildId: number): Promise<void> {
    await this.events.publish({ type: 'build.cancel_requested', buildId });
  }
}
