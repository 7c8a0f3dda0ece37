import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { messageOf } from '@drydock/core';
import { OutboxDelivery, REPORT_OUTBOX, type ReportOutbox } from '@drydock/github';
import { REDIS_PREFIX, REDIS_PUBLISHER, RedisLease, redisKey } from '@drydock/redis';

const TICK_MS = 1000;
/** Held by one worker at a time; another takes over within this long of the holder dying. */
const LEASE_TTL_MS = 10_000;
const PRUNE_EVERY_MS = 3600_000;
/** How long shutdown waits for a round in flight (each GitHub call is bounded well below it). */
const STOP_WAIT_MS = 10_000;

/**
 * Sends the report outbox to GitHub from the worker that holds the `<prefix>:outbox-leader`
 * lease: a round every second, the lease confirmed at each round and before each call (a worker
 * that lost it stops sending at once). The leader also prunes settled entries past
 * DRYDOCK_RETENTION_DAYS once an hour. Stopped before the database closes on shutdown.
 */
@Injectable()
export class OutboxDeliveryTimer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxDeliveryTimer.name);
  private readonly lease: RedisLease;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPrune = 0;
  private leaseProblem = '';

  constructor(
    private readonly delivery: OutboxDelivery,
    @Inject(REPORT_OUTBOX) private readonly outbox: ReportOutbox,
    @Inject(REDIS_PUBLISHER) redis: Redis,
    @Inject(REDIS_PREFIX) prefix: string,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'retentionDays'>,
  ) {
    this.lease = new RedisLease(redis, redisKey(prefix, 'outbox-leader'), LEASE_TTL_MS);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.race([this.running, sleep(STOP_WAIT_MS)]);
    await this.lease.release();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.timer) this.schedule(TICK_MS);
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!(await this.holdLease())) return;
    await this.delivery.deliverDue(async () => this.timer !== undefined && (await this.holdLease()));
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) await this.prune();
  }

  /** Whether this worker leads; Redis failing counts as no (said once per problem). */
  private async holdLease(): Promise<boolean> {
    try {
      const held = await this.lease.hold();
      this.leaseProblem = '';
      return held;
    } catch (err) {
      if (messageOf(err) !== this.leaseProblem) this.logger.warn(`GitHub reports wait: the outbox lease is unavailable: ${messageOf(err)}`);
      this.leaseProblem = messageOf(err);
      return false;
    }
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const cutoff = new Date(Date.now() - this.config.retentionDays * 24 * 3600_000).toISOString();
    try {
      const pruned = await this.outbox.pruneSettledBefore(cutoff);
      if (pruned > 0) this.logger.log(`retention: ${pruned} sent GitHub reports before ${cutoff} removed`);
    } catch (err) {
      this.logger.warn(`retention of GitHub reports failed: ${messageOf(err)}`);
    }
  }
}
