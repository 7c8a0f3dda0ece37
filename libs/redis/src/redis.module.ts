import { Global, Inject, Logger, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import {
  logRedisErrors,
  QUEUE_CONNECTION,
  REDIS_PREFIX,
  REDIS_PUBLISHER,
  REDIS_STREAMS,
  REDIS_SUBSCRIBER,
  type QueueConnection,
} from './redis-connections.js';

const logger = new Logger('Redis');

/** A client that connects on first use and logs its errors (`logRedisErrors`: once per problem; health reports the rest). */
function client(config: AppConfig, name: string): Redis {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, connectionName: `${config.redisPrefix}:${name}` });
  logRedisErrors(redis, name, config.redisUrl, (line) => logger.warn(line));
  return redis;
}

const clientProvider = (token: symbol, name: string): Provider => ({
  provide: token,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => client(config, name),
});

/** Waits for pending replies, unless the client never connected or Redis is gone. */
async function close(redis: Redis): Promise<void> {
  if (redis.status === 'wait' || redis.status === 'end') {
    redis.disconnect();
    return;
  }
  const quit = redis.quit().then(() => undefined, () => undefined);
  const timer = setTimeout(() => redis.disconnect(), 2000);
  await quit;
  clearTimeout(timer);
}

/**
 * Every Redis connection of the process (see redis-connections.ts), each closed when the
 * application shuts down. Global, so it closes after the modules that use it (BullMQ's
 * workers finish their jobs first).
 */
@Global()
@Module({
  providers: [
    { provide: REDIS_PREFIX, inject: [APP_CONFIG], useFactory: (config: AppConfig) => config.redisPrefix },
    {
      provide: QUEUE_CONNECTION,
      inject: [APP_CONFIG],
      // workers block on Redis, so a slow command must not give up
      useFactory: (config: AppConfig): QueueConnection => ({ url: config.redisUrl, maxRetriesPerRequest: null }),
    },
    clientProvider(REDIS_PUBLISHER, 'publisher'),
    clientProvider(REDIS_SUBSCRIBER, 'subscriber'),
    clientProvider(REDIS_STREAMS, 'streams'),
  ],
  exports: [REDIS_PREFIX, QUEUE_CONNECTION, REDIS_PUBLISHER, REDIS_SUBSCRIBER, REDIS_STREAMS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_PUBLISHER) private readonly publisher: Redis,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
    @Inject(REDIS_STREAMS) private readonly streams: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber, this.streams].map(close));
  }
}
