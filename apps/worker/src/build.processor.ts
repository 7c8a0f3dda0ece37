import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { runBuild, type PipelineDeps } from '@drydock/pipeline';
import { BUILD_QUEUE, JobName, type JobOf } from '@drydock/queue';
import { PIPELINE_DEPS } from './pipeline-deps.provider.js';

/** One job -> one `runBuild`. The queue's abort signal (see CancelListener) reaches the running step. */
@Processor(BUILD_QUEUE)
export class BuildProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(BuildProcessor.name);

  constructor(
    @Inject(PIPELINE_DEPS) private readonly deps: PipelineDeps,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.concurrency;
  }

  async process(job: Job<JobOf<typeof JobName.RunBuild>>, _token?: string, signal?: AbortSignal): Promise<string | undefined> {
    if (job.name !== JobName.RunBuild) throw new Error(`no handler for job ${job.name}`);
    const { buildId } = job.data;
    this.logger.log(`build ${buildId}: started`);
    const build = await runBuild(buildId, this.deps, signal ?? new AbortController().signal);
    this.logger.log(`build ${buildId}: ${build?.status ?? 'gone'}`);
    return build?.status;
  }
}
