import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { messageOf } from '@drydock/core';
import { pruneMirrors } from '@drydock/git';
import { BUILD_STORE, type BuildStore } from '@drydock/store';
import { pruneOldData } from './prune-old-data.js';

/** First run a minute after start-up (not in the way of it), then once a day. */
const FIRST_RUN_MS = 60_000;
const EVERY_MS = 24 * 3600 * 1000;

/**
 * Runs the retention prune in every worker on a timer rather than as a BullMQ repeatable job:
 * the prune is idempotent and each mirror is removed under its lock, so workers running it
 * side by side do no harm, and a timer needs no job state in Redis, cannot be left behind as a
 * stale repeat schedule when the interval changes, and keeps working when the queue is busy
 * with builds (a repeatable job would wait behind them for a concurrency slot).
 */
@Injectable()
export class RetentionTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionTimer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(BUILD_STORE) private readonly store: BuildStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(FIRST_RUN_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.timer) this.schedule(EVERY_MS);
      });
    }, ms);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      const report = await pruneOldData(this.config.retentionDays, {
        store: this.store,
        pruneMirrors: (keep, since) => pruneMirrors(this.config.dataDir, keep, since),
        now: () => new Date(),
      });
      this.logger.log(`retention: before ${report.cutoff}: ${report.logs} logs, ${report.deliveries} deliveries, ${report.mirrors} mirrors removed`);
    } catch (err) {
      this.logger.warn(`retention prune failed: ${messageOf(err)}`);
    }
  }
}
