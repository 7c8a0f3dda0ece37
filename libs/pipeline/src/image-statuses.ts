import { commitStateOf, type Build } from '@drydock/core';
import type { BuildReport } from '@drydock/github';
import type { ImagePlan } from './image-plan.js';

/**
 * With several images, each also reports to its own context (`drydock/<image>`) beside the
 * aggregate `drydock`: pending while the build runs, then its own outcome. An image the build
 * leaves out (`ImagePlan.skip`) reports `success` "skipped: <why>" from the start.
 */
export function imageReports(build: Build, plans: ImagePlan[]): BuildReport[] {
  return plans.flatMap((plan) => (plan.context === null ? [] : [{ image: plan.context, ...imageOutcome(build, plan) }]));
}

function imageOutcome(build: Build, { label, skip }: ImagePlan): Omit<BuildReport, 'image'> {
  if (skip !== null) return { state: 'success', description: `skipped: ${skip}` }; // left out by .drydock.yml: nothing of it can fail
  const state = commitStateOf(build.status);
  if (state === 'pending') return { state, description: 'Build running' };
  const steps = build.steps.filter((s) => s.image === label);
  // a retry skips the build and tests an earlier build did for it (see retry-images.ts)
  if (steps.every((s) => s.status === 'success' || (s.status === 'skipped' && s.name !== 'push'))) return { state: 'success', description: 'Built, tested and pushed' };
  if (build.fork && build.status === 'success') return { state: 'success', description: 'Built and tested, not pushed: the code comes from a fork' };
  if (build.status === 'cancelled') return { state, description: 'Cancelled' };
  const failed = steps.find((s) => s.status === 'failure' || s.status === 'error');
  if (failed) return { state: failed.status === 'failure' ? 'failure' : 'error', description: `${failed.name} failed: ${build.error ?? ''}` };
  return { state, description: `Not pushed: ${build.error ?? 'the build did not finish'}` };
}
