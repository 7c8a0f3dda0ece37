import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { RepoBusy, runBuild, type PipelineDeps } from '@drydock/pipeline';
import { BUILD_QUEUE, JobName, type JobOf } from '@drydock/queue';
import { PIPELINE_DEPS } from './pipeline-deps.provider.js';

/** How long a job whose repository is busy (see RepoBusy) waits before it asks again. */
const REPO_BUSY_RETRY_MS = 2_000;

/** A run in progress on this worker, and how to stop it without an outcome. */
interface RunHere {
  buildId: number;
  lockLost: AbortController;
  handBack: AbortController;
}

/**
 * One job -> one `runBuild` (a run of its own; a job whose build another run has, or that is not
 * queued any more, does nothing; a build whose repository is busy waits in the delayed set and
 * asks again). The queue's abort signal (see CancelListener) reaches the
 * running step; a lost lock on the job (BullMQ's `lockRenewalFailed`) stops the run at once, and
 * `handBackAll` (the worker's shutdown) gives every run back to the queue. Locks are renewed by
 * BullMQ's timer through the longest step: the steps wait on child processes, never block the loop.
 */
@Processor(BUILD_QUEUE, { lockDuration: 30_000, maxStalledCount: 1 })
export class BuildProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(BuildProcessor.name);
  private readonly runs = new Map<string, RunHere>();

  constructor(
    @Inject(PIPELINE_DEPS) private readonly deps: PipelineDeps,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.concurrency;
  }

  async process(job: Job<JobOf<typeof JobName.RunBuild>>, token?: string, signal?: AbortSignal): Promise<string | undefined> {
    if (job.name !== JobName.RunBuild) throw new Error(`no handler for job ${job.name}`);
    const { buildId } = job.data;
    const here: RunHere = { buildId, lockLost: new AbortController(), handBack: new AbortController() };
    this.runs.set(job.id ?? '', here);
    try {
      const build = await runBuild(buildId, this.deps, signal ?? new AbortController().signal, {
        lockLost: here.lockLost.signal,
        handBack: here.handBack.signal,
        onClaimed: () => this.logger.log(`build ${buildId}: started (job ${job.id})`),
      });
      this.logger.log(`build ${buildId}: ${build?.status ?? 'gone'}`);
      return build?.status;
    } catch (error) {
      if (!(error instanceof RepoBusy)) throw error;
      // The build stays queued behind its repository's other builds: the job waits and asks again.
      await job.moveToDelayed(Date.now() + REPO_BUSY_RETRY_MS, token);
      throw new DelayedError();
    } finally {
      this.runs.delete(job.id ?? '');
    }
  }

  @OnWorkerEvent('lockRenewalFailed')
  onLockRenewalFailed(jobIds: string[]): void {
    for (const jobId of jobIds) {
      const here = this.runs.get(jobId);
      if (!here || here.lockLost.signal.aborted) continue;
      this.logger.warn(`build ${here.buildId}: the queue lost this worker's lock on job ${jobId}: stopping its run`);
      here.lockLost.abort();
    }
  }

  /** Aborts the build's job if this worker runs it; whether it did. */
  cancelBuild(buildId: number): boolean {
    let cancelled = false;
    for (const [jobId, here] of this.runs) if (here.buildId === buildId) cancelled = this.worker.cancelJob(jobId, 'cancelled') || cancelled;
    return cancelled;
  }

  /** Stops every run on this worker and hands its build back to the queue (the end of the shutdown grace); how many. */
  handBackAll(): number {
    for (const here of this.runs.values()) here.handBack.abort();
    return this.runs.size;
  }

  /** Builds running on this worker now. */
  get running(): number {
    return this.runs.size;
  }
}
