import { Inject, Injectable } from '@nestjs/common';
import { REDIS_PUBLISHER, type RedisPublisher } from '@drydock/redis';
import { BUILD_STORE, type BuildStore } from '@drydock/store';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** 'ok' or what went wrong */
  redis: string;
  database: string;
}

/** Asks Redis (through RedisModule's publisher connection) and the database whether they answer. */
@Injectable()
export class HealthService {
  constructor(
    @Inject(REDIS_PUBLISHER) private readonly redis: RedisPublisher,
    @Inject(BUILD_STORE) private readonly store: BuildStore,
  ) {}

  async check(): Promise<HealthReport> {
    const [redis, database] = await Promise.all([
      probe(() => withTimeout(this.redis.ping())),
      probe(() => withTimeout(this.store.list({ limit: 1 }))),
    ]);
    return { status: redis === 'ok' && database === 'ok' ? 'ok' : 'unavailable', redis, database };
  }
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  try {
    await check();
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function withTimeout<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}
