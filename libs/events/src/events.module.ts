import { Module } from '@nestjs/common';
import { REDIS_PREFIX, REDIS_PUBLISHER, REDIS_SUBSCRIBER, RedisModule, type RedisPrefix, type RedisPublisher, type RedisSubscriber } from '@drydock/redis';
import { BUILD_EVENTS } from './build-events.js';
import { RedisBuildEvents } from './redis-build-events.js';

/** Binds BUILD_EVENTS to Redis pub/sub on RedisModule's publisher and subscriber connections. */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: BUILD_EVENTS,
      inject: [REDIS_PUBLISHER, REDIS_SUBSCRIBER, REDIS_PREFIX],
      useFactory: (publisher: RedisPublisher, subscriber: RedisSubscriber, prefix: RedisPrefix) =>
        new RedisBuildEvents(publisher, subscriber, prefix),
    },
  ],
  exports: [BUILD_EVENTS],
})
export class EventsModule {}
