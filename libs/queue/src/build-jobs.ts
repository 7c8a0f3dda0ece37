import { randomBytes } from 'node:crypto';
import type { JobsOptions } from 'bullmq';

/** Every queue and job name, and each job's payload type, declared once. */
export const BUILD_QUEUE = 'builds';

export const JobName = { RunBuild: 'build.run' } as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.RunBuild]: { buildId: number };
}
export type JobOf<N extends JobName> = JobPayloads[N];

/**
 * A fresh job id for each enqueue of a build (`build-<id>-<time><random>`; BullMQ refuses ':'
 * and plain integers), so queueing a build again is never a no-op, whatever became of its
 * earlier jobs. A job only asks a worker to try to claim the build (see BuildStore `claim`): a
 * second job of the same build finds it claimed and does nothing.
 */
export const newJobIdFor = (buildId: number): string => `build-${buildId}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** The build a job id names (see `newJobIdFor`; `build-<id>` ids from before are read too). */
export function buildIdOfJob(jobId: string | undefined): number | undefined {
  const id = Number(/^build-(\d+)(-|$)/.exec(jobId ?? '')?.[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

export function buildJobOptions(buildId: number): JobsOptions {
  return {
    jobId: newJobIdFor(buildId),
    // A build is not blindly retried: a failed build is the answer. A worker that dies
    // mid-build leaves its run without a heartbeat, which the reconciler notices.
    attempts: 1,
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
