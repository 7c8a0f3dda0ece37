import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { BUILD_EVENTS, type BuildEventMessage, type BuildEvents } from '@drydock/events';
import { BuildProcessor } from './build.processor.js';

/** Hears `build.cancel_requested` and aborts the job if this worker runs it. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CancelListener.name);
  private unsubscribe?: () => Promise<void>;

  constructor(
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
    private readonly processor: BuildProcessor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.events.subscribe((event) => this.onEvent(event));
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  private onEvent(event: BuildEventMessage): void {
    if (event.type !== 'build.cancel_requested') return;
    if (this.processor.cancelBuild(event.buildId)) this.logger.log(`build ${event.buildId}: cancelling`);
  }
}
