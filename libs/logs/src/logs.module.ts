import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_EVENTS, EventsModule, type BuildEvents } from '@drydock/events';
import { REDIS_PREFIX, REDIS_STREAMS, RedisModule, type RedisPrefix, type RedisStreams } from '@drydock/redis';
import { BUILD_LOGS } from './build-logs.js';
import { LOG_ARCHIVE, type LogArchive } from './log-archive.js';
import { RedisBuildLogs } from './redis-build-logs.js';

/**
 * Binds BUILD_LOGS to Redis streams (RedisModule's streams connection, the instance's
 * prefix), build events, and LOG_ARCHIVE, which the root provides (StoreModule binds it).
 */
@Module({
  imports: [RedisModule, EventsModule],
  providers: [
    {
      provide: BUILD_LOGS,
      inject: [REDIS_STREAMS, LOG_ARCHIVE, BUILD_EVENTS, REDIS_PREFIX, APP_CONFIG],
      useFactory: (redis: RedisStreams, archive: LogArchive, events: BuildEvents, prefix: RedisPrefix, config: AppConfig) =>
        new RedisBuildLogs({ redis, archive, events }, { secrets: config.secrets, maxBytes: config.logMaxBytes, prefix }),
    },
  ],
  exports: [BUILD_LOGS],
})
export class LogsModule implements OnModuleDestroy {
  constructor(@Inject(BUILD_LOGS) private readonly logs: RedisBuildLogs) {}

  onModuleDestroy(): void {
    this.logs.disconnectFollowers();
  }
}
