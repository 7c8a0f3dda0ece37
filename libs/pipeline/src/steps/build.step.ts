import type { StepCache } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import type { BuildSecret } from '../build-secrets.js';
import type { ImagePlan } from '../image-plan.js';
import { scopedTo, type StepContext } from '../step-context.js';
import { BuildKitCacheCounter } from './buildkit-cache.js';

/**
 * Builds one image with BuildKit under its local tag; the engine's layer cache carries over between
 * builds. `secrets`: those the config step resolved (none for a fork); the image gets the ones it names.
 * Resolves with how many of its instructions came from the cache (null when BuildKit did not say).
 */
export async function buildStep(ctx: StepContext, docker: DockerEngine, plan: ImagePlan, checkoutDir: string, secrets: ReadonlyMap<string, BuildSecret> = new Map()): Promise<StepCache | null> {
  const { spec } = plan;
  const cache = new BuildKitCacheCounter();
  const scoped = scopedTo(ctx);
  await docker.buildImage({
    ...scoped,
    onLog: (line) => {
      cache.see(line);
      scoped.onLog(line);
    },
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
  return cache.result();
}
