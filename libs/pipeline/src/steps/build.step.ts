import type { DockerEngine } from '@drydock/docker';
import type { BuildSecret } from '../build-secrets.js';
import type { ImagePlan } from '../image-plan.js';
import { scopedTo, type StepContext } from '../step-context.js';

/**
 * Builds one image with BuildKit under its local tag; the engine's layer cache carries over between
 * builds. `secrets`: those the config step resolved (none for a fork); the image gets the ones it names.
 */
export async function buildStep(ctx: StepContext, docker: DockerEngine, plan: ImagePlan, checkoutDir: string, secrets: ReadonlyMap<string, BuildSecret> = new Map()): Promise<void> {
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
    secrets: spec.secrets.flatMap((name) => {
      const secret = secrets.get(name);
      return secret ? [{ id: secret.id, src: secret.src }] : [];
    }),
  });
}
