import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { messageOf } from '@drydock/core';
import { HOOK_DELIVERIES, redeliverFailed, type HookDeliveries } from '@drydock/github';
import { REDIS_PREFIX, REDIS_PUBLISHER, RedisLease, redisKey } from '@drydock/redis';

/** How far back the very first pass looks (later passes start after the newest delivery seen). */
const FIRST_LOOK_BACK_MS = 3600_000;
const STOP_WAIT_MS = 10_000;

/**
 * App mode: every DRYDOCK_REDELIVER_INTERVAL seconds (and once at start), the worker holding the
 * `<prefix>:redeliver-leader` lease asks GitHub to redeliver the App's webhook deliveries that
 * failed (`redeliverFailed`): GitHub never retries one on its own, and a push that arrived while
 * the API was down would otherwise never be built. The newest delivery seen is kept in Redis
 * (`<prefix>:redeliver-last-id`), so a pass, on whichever worker, starts where the last ended.
 * Without an App (`HOOK_DELIVERIES` null) it does nothing.
 */
@Injectable()
export class HookRedeliveryTimer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HookRedeliveryTimer.name);
  private readonly lease: RedisLease;
  private readonly lastIdKey: string;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(HOOK_DELIVERIES) private readonly deliveries: HookDeliveries | null,
    @Inject(REDIS_PUBLISHER) private readonly redis: Redis,
    @Inject(REDIS_PREFIX) prefix: string,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'github'>,
  ) {
    this.intervalMs = (config.github.redeliverIntervalSeconds ?? 300) * 1000;
    // Held across passes: another worker takes over only when this one stopped passing.
    this.lease = new RedisLease(redis, redisKey(prefix, 'redeliver-leader'), this.intervalMs * 2 + 30_000);
    this.lastIdKey = redisKey(prefix, 'redeliver-last-id');
  }

  onApplicationBootstrap(): void {
    if (this.deliveries) this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.race([this.running, sleep(STOP_WAIT_MS)]);
    await this.lease.release();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (this.timer) this.schedule(this.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      if (!(await this.lease.hold())) return;
      const stored = await this.redis.get(this.lastIdKey);
      const lastSeenId = stored === null ? undefined : Number(stored);
      const notBefore = new Date(Date.now() - Math.max(FIRST_LOOK_BACK_MS, this.intervalMs * 2)).toISOString();
      const pass = await redeliverFailed(this.deliveries!, lastSeenId, notBefore);
      if (pass.lastSeenId !== undefined) await this.redis.set(this.lastIdKey, String(pass.lastSeenId));
      for (const d of pass.asked) this.logger.log(`asked GitHub to redeliver the ${d.event} webhook ${d.guid} (its delivery got ${d.statusCode || 'no answer'})`);
      for (const { delivery, error } of pass.refused) this.logger.warn(`GitHub did not redeliver the ${delivery.event} webhook ${delivery.guid}: ${error}`);
    } catch (err) {
      this.logger.warn(`could not check the GitHub App's failed webhook deliveries (tried again in ${this.intervalMs / 1000}s): ${messageOf(err)}`);
    }
  }
}
