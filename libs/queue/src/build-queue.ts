import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_QUEUE, CANCEL_CHANNEL, JobName, buildJobOptions, jobIdFor, type JobOf } from './build-jobs.js';
import { createRedis } from './redis-connection.js';

/** The producer side: queue a stored build, take back a waiting one, ask workers to stop a running one. */
@Injectable()
export class BuildQueue implements OnModuleDestroy {
  private publisher?: Redis;

  constructor(
    @InjectQueue(BUILD_QUEUE) private readonly queue: Queue<JobOf<typeof JobName.RunBuild>>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enqueue(buildId: number): Promise<void> {
    await this.queue.add(JobName.RunBuild, { buildId }, buildJobOptions(buildId));
  }

  /** Removes the build's job if no worker holds it yet. */
  async withdraw(buildId: number): Promise<void> {
    const job = await this.queue.getJob(jobIdFor(buildId));
    if (!job || (await job.isActive())) return;
    // A worker may take it meanwhile; then the cancel message reaches that worker.
    await job.remove().catch(() => undefined);
  }

  async requestCancel(buildId: number): Promise<void> {
    this.publisher ??= createRedis(this.config.redisUrl);
    await this.publisher.publish(CANCEL_CHANNEL, String(buildId));
  }

  async onModuleDestroy(): Promise<void> {
    this.publisher?.disconnect();
  }
}
