import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { EventsModule } from '@drydock/events';
import { QUEUE_CONNECTION, REDIS_PREFIX, RedisModule, type QueueConnection, type RedisPrefix } from '@drydock/redis';
import { BUILD_QUEUE } from './build-jobs.js';
import { BuildQueue } from './build-queue.js';

/**
 * The build queue on RedisModule's queue connection, its keys under the instance's prefix
 * (`<prefix>:builds:*`); exports BullModule for the worker's processor and EventsModule
 * (BUILD_EVENTS), which BuildQueue publishes cancel requests on.
 */
@Module({
  imports: [
    RedisModule,
    EventsModule,
    BullModule.forRootAsync({
      imports: [RedisModule],
      inject: [QUEUE_CONNECTION, REDIS_PREFIX],
      useFactory: (connection: QueueConnection, prefix: RedisPrefix) => ({ connection, prefix }),
    }),
    BullModule.registerQueue({ name: BUILD_QUEUE }),
  ],
  providers: [BuildQueue],
  exports: [BuildQueue, BullModule, EventsModule],
})
export class QueueModule {}
