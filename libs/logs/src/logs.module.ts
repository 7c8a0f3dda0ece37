import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_STORE, StoreModule, type BuildStore } from '@drydock/store';
import { BUILD_LOGS } from './build-logs.js';
import { RedisBuildLogs } from './redis-build-logs.js';

const LOGS_REDIS = Symbol('LogsRedis');

/** Binds BUILD_LOGS to Redis streams (AppConfig.redisUrl) and the build store. */
@Module({
  imports: [StoreModule],
  providers: [
    { provide: LOGS_REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new Redis(config.redisUrl) },
    {
      provide: BUILD_LOGS,
      inject: [LOGS_REDIS, BUILD_STORE, APP_CONFIG],
      useFactory: (redis: Redis, store: BuildStore, config: AppConfig) =>
        new RedisBuildLogs(redis, store, { secrets: config.secrets, maxBytes: config.logMaxBytes }),
    },
  ],
  exports: [BUILD_LOGS],
})
export class LogsModule implements OnModuleDestroy {
  constructor(
    @Inject(LOGS_REDIS) private readonly redis: Redis,
    @Inject(BUILD_LOGS) private readonly logs: RedisBuildLogs,
  ) {}

  async onModuleDestroy(): Promise<void> {
    this.logs.disconnectFollowers();
    await this.redis.quit();
  }
}
