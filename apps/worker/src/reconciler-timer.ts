import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { messageOf } from '@drydock/core';
import { DOCKER_ENGINE, type DockerEngine } from '@drydock/docker';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { BUILD_REPORTER, type BuildReporter } from '@drydock/github';
import { BUILD_LOGS, type BuildLogs } from '@drydock/logs';
import { BuildQueue } from '@drydock/queue';
import { REDIS_PREFIX, REDIS_PUBLISHER, redisKey, RedisLease, type RedisPrefix, type RedisPublisher } from '@drydock/redis';
import { BUILD_STORE, type BuildStore } from '@drydock/store';
import { Reconciler, type ReconcileAction } from './reconciler.js';

/** A pass at start-up, then every 5 s; the leader's lease outlives three passes it misses. */
const EVERY_MS = 5_000;
const LEASE_MS = 15_000;

/**
 * Runs the reconciler (see Reconciler) in every worker, by one of them at a time: the holder of
 * the `<prefix>:reconciler-leader` lease. A pass at start-up and every 5 s; a pass that fails
 * (Redis or the database down) is retried at the next, its problem logged once. `stop` (the
 * worker's shutdown) ends the passes and gives the lease up, so another worker leads at once.
 */
@Injectable()
export class ReconcilerTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconciler');
  private readonly reconciler: Reconciler;
  private readonly lease: RedisLease;
  private timer: NodeJS.Timeout | undefined;
  private passing: Promise<void> | undefined;
  private stopped = false;
  private lastProblem = '';

  constructor(
    @Inject(BUILD_STORE) store: BuildStore,
    queue: BuildQueue,
    @Inject(BUILD_LOGS) logs: BuildLogs,
    @Inject(BUILD_EVENTS) events: BuildEvents,
    @Inject(BUILD_REPORTER) reporter: BuildReporter,
    @Inject(DOCKER_ENGINE) engine: DockerEngine,
    @Inject(REDIS_PUBLISHER) redis: RedisPublisher,
    @Inject(REDIS_PREFIX) prefix: RedisPrefix,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const warn = (message: string) => this.logger.warn(message);
    // With an engine per repository, a dead worker's engines are stopped by their watchdog, containers and all.
    this.reconciler = new Reconciler({ store, queue, logs, events, reporter, engine: config.engines ? undefined : engine, dataDir: config.dataDir, warn });
    this.lease = new RedisLease(redis, redisKey(prefix, 'reconciler-leader'), LEASE_MS);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.passing;
    await this.lease.release();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.passing = this.pass().finally(() => {
        this.passing = undefined;
        this.schedule(EVERY_MS);
      });
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      if (!(await this.lease.hold())) return;
      for (const action of await this.reconciler.pass()) this.logger.log(describe(action));
      this.lastProblem = '';
    } catch (err) {
      const problem = messageOf(err);
      if (problem !== this.lastProblem) this.logger.warn(`pass failed (retried every ${EVERY_MS / 1000} s): ${problem}`);
      this.lastProblem = problem;
    }
  }
}

function describe(action: ReconcileAction): string {
  switch (action.kind) {
    case 'enqueue':
      return `build ${action.buildId}: stored as queued without a job: queued`;
    case 'requeue':
      return `build ${action.build.id}: worker ${action.build.run.owner ?? '?'} lost: queued again`;
    case 'fail':
      return `build ${action.build.id}: worker ${action.build.run.owner ?? '?'} lost again: ended error`;
  }
}
