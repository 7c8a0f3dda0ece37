import { Controller, Get, Inject, type OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { createRedis } from '@drydock/queue';
import { BUILD_STORE, type BuildStore } from '@drydock/store';

/** 200 only when Redis and the database both answer. */
@ApiTags('health')
@Controller()
export class HealthController implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(BUILD_STORE) private readonly store: BuildStore,
  ) {
    this.redis = createRedis(config.redisUrl);
    this.redis.on('error', () => undefined); // reported through /healthz, not as crashes
  }

  @Get('healthz')
  async health(): Promise<object> {
    const [redis, database] = await Promise.all([
      check(() => withTimeout(this.redis.ping())),
      check(() => withTimeout(this.store.list({ limit: 1 }))),
    ]);
    const body = { status: redis === 'ok' && database === 'ok' ? 'ok' : 'unavailable', redis, database };
    if (body.status !== 'ok') throw new ServiceUnavailableException(body);
    return body;
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await probe();
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function withTimeout<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}
