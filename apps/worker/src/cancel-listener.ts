import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { CANCEL_CHANNEL, createRedis, jobIdFor } from '@drydock/queue';
import { BuildProcessor } from './build.processor.js';

/** Hears the API's cancel requests and aborts the job if this worker runs it. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CancelListener.name);
  private subscriber?: Redis;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly processor: BuildProcessor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber = createRedis(this.config.redisUrl);
    this.subscriber.on('message', (_channel: string, message: string) => {
      const buildId = Number(message);
      if (Number.isInteger(buildId) && this.processor.worker.cancelJob(jobIdFor(buildId), 'cancelled')) {
        this.logger.log(`build ${buildId}: cancelling`);
      }
    });
    await this.subscriber.subscribe(CANCEL_CHANNEL);
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
  }
}
