import type { BuildImage } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import type { ImagePlan } from '../image-plan.js';
import { scopedTo, type StepContext } from '../step-context.js';

/** Tags and pushes every planned tag of an image; resolves with what was pushed and its digest. */
export async function pushStep(ctx: StepContext, docker: DockerEngine, plan: ImagePlan): Promise<BuildImage> {
  let digest: string | null = null;
  for (const tag of plan.tags) {
    const reference = `${plan.repository}:${tag}`;
    await docker.tagImage(plan.localRef, reference);
    await ctx.confirmOwnership?.(); // two runs of one build never both push
    ctx.log.line(`Pushing ${reference}`);
    ({ digest } = await docker.pushImage(reference, scopedTo(ctx)));
  }
  ctx.log.line(`Pushed ${plan.repository} (${plan.tags.join(', ')}) ${digest ?? ''}`);
  return { name: plan.repository, tags: plan.tags, digest };
}
