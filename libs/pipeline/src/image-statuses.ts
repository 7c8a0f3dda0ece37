import type { Build, BuildStep } from '@drydock/core';
import type { BuildReport } from '@drydock/github';

/**
 * With several images, each also gets its own status context (`drydock/<image>`) beside
 * the aggregate `drydock`: pending while the build runs, then its own outcome.
 */
export function imageReports(build: Build): BuildReport[] {
  const images = [...new Set(build.steps.flatMap((s) => (s.image ? [s.image] : [])))];
  if (images.length < 2) return [];
  return images.map((image) => ({ image, ...imageOutcome(build, build.steps.filter((s) => s.image === image)) }));
}

function imageOutcome(build: Build, steps: BuildStep[]): Omit<BuildReport, 'image'> {
  if (build.status === 'running' || build.status === 'queued') return { state: 'pending', description: 'Build running' };
  if (steps.every((s) => s.status === 'success')) return { state: 'success', description: 'Built, tested and pushed' };
  const failed = steps.find((s) => s.status === 'failure');
  if (failed) return { state: 'failure', description: `${failed.name} failed: ${build.error ?? ''}` };
  if (build.status === 'cancelled') return { state: 'error', description: 'Cancelled' };
  return { state: build.status === 'failure' ? 'failure' : 'error', description: `Not pushed: ${build.error ?? 'the build did not finish'}` };
}
