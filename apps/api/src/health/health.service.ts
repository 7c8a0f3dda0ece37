import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { maskSecrets } from '@drydock/core';
import { REDIS_PUBLISHER, type RedisPublisher } from '@drydock/redis';
import { BUILD_STORE, type BuildStore } from '@drydock/store';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** 'ok' or what went wrong */
  redis: string;
  database: string;
}

/**
 * Asks Redis (through RedisModule's publisher connection) and the database whether they
 * answer; what went wrong is told with secrets masked. A Redis that does not answer is
 * named with the connection's last error ("connect ECONNREFUSED …"), not only the timeout.
 */
@Injectable()
export class HealthService {
  private lastRedisError: string | undefined;

  constructor(
    @Inject(REDIS_PUBLISHER) private readonly redis: RedisPublisher,
    @Inject(BUILD_STORE) private readonly store: BuildStore,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secrets'>,
  ) {
    redis.on('error', (err: Error) => (this.lastRedisError = err.message));
    redis.on('ready', () => (this.lastRedisError = undefined));
  }

  async check(): Promise<HealthReport> {
    const [redis, database] = await Promise.all([
      probe(async () => {
        try {
          return await withTimeout(this.redis.ping());
        } catch (err) {
          const last = this.lastRedisError;
          throw last && this.redis.status !== 'ready' ? new Error(`${(err as Error).message}, ${this.redis.status}: ${last}`) : err;
        }
      }),
      probe(() => withTimeout(this.store.list({ limit: 1 }))),
    ]);
    const status = redis === 'ok' && database === 'ok' ? 'ok' : 'unavailable';
    return { status, redis: maskSecrets(redis, this.config.secrets), database: maskSecrets(database, this.config.secrets) };
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
