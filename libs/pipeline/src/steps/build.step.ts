import type { DockerEngine } from '@drydock/docker';
import type { ImagePlan } from '../image-plan.js';
import { scopedTo, type StepContext } from '../step-context.js';

/** Builds one image with BuildKit under its local tag; the engine's layer cache carries over between builds. */
export async function buildStep(ctx: StepContext, docker: DockerEngine, plan: ImagePlan, checkoutDir: string): Promise<void> {
  const { spec } = plan;
  await docker.buildImage({
    ...scopedTo(ctx),
    checkoutDir,
    contextDir: spec.contextDir,
    dockerfile: spec.dockerfile,
    target: spec.target,
    buildArgs: spec.buildArgs,
    tags: [plan.localRef],
    labels: plan.labels,
  });
}
