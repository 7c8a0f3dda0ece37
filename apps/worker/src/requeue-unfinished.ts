import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BuildQueue } from '@drydock/queue';
import { BUILD_STORE, type BuildStore } from '@drydock/store';

/**
 * Builds are stored before they are queued; one stored while Redis was down, or whose
 * API died in between, is queued here. Queueing is idempotent (the job id is the build's).
 */
@Injectable()
export class RequeueUnfinished implements OnApplicationBootstrap {
  private readonly logger = new Logger(RequeueUnfinished.name);

  constructor(
    @Inject(BUILD_STORE) private readonly store: BuildStore,
    private readonly queue: BuildQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const queued = (await this.store.listUnfinished()).filter((b) => b.status === 'queued');
    for (const build of queued) await this.queue.enqueue(build.id);
    if (queued.length) this.logger.log(`queued ${queued.length} stored build(s)`);
  }
}
