import type { JobsOptions } from 'bullmq';

/** Every queue and job name, and each job's payload type, declared once. */
export const BUILD_QUEUE = 'builds';

export const JobName = { RunBuild: 'build.run' } as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.RunBuild]: { buildId: number };
}
export type JobOf<N extends JobName> = JobPayloads[N];

/** One job per build; the id makes a second enqueue of the same build a no-op. */
export const jobIdFor = (buildId: number): string => `build-${buildId}`;

export function buildJobOptions(buildId: number): JobsOptions {
  return {
    jobId: jobIdFor(buildId),
    // A build is not blindly retried: a failed build is the answer. A worker that dies
    // mid-build leaves a stalled job, which BullMQ hands to another worker.
    attempts: 1,
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
