import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_QUEUE } from './build-jobs.js';
import { BuildQueue } from './build-queue.js';
import { bullConnection } from './redis-connection.js';

@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: bullConnection(config.redisUrl) }),
    }),
    BullModule.registerQueue({ name: BUILD_QUEUE }),
  ],
  providers: [BuildQueue],
  exports: [BuildQueue, BullModule],
})
export class QueueModule {}
