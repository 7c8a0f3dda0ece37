import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { BUILD_QUEUE, JobName, buildJobOptions, jobIdFor, type JobOf } from './build-jobs.js';

/** The producer side: queue a stored build, take back a waiting one, ask workers to stop a running one. */
@Injectable()
export class BuildQueue {
  constructor(
    @InjectQueue(BUILD_QUEUE) private readonly queue: Queue<JobOf<typeof JobName.RunBuild>>,
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
  ) {}

  async enqueue(buildId: number): Promise<void> {
    await this.queue.add(JobName.RunBuild, { buildId }, buildJobOptions(buildId));
  }

  /** Removes the build's job if no worker holds it yet. */
  async withdraw(buildId: number): Promise<void> {
    const job = await this.queue.getJob(jobIdFor(buildId));
    if (!job || (await job.isActive())) return;
    // A worker may take it meanwhile; then the cancel request reaches that worker.
    await job.remove().catch(() => undefined);
  }

  /** Publishes `build.cancel_requested`: whichever worker runs the build stops it (see CancelListener). */
  async requestCancel(buildId: number): Promise<void> {
    await this.events.publish({ type: 'build.cancel_requested', buildId });
  }
}
