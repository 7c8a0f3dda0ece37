import { messageOf, type Build, type KeptImage } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import type { BuildStore } from '@drydock/store';
import type { BuildRun } from './build-run.js';
import type { ImagePlan } from './image-plan.js';
import { scopedTo, type StepContext } from './step-context.js';

/**
 * Retry from the failed step. A build that ends without success keeps the images it built in a
 * private place of the registry (`keepForRetry`): no engine holds them meanwhile, and any worker's
 * engine can fetch them. A retry of it (`Build.retryOf`: same repository, ref and commit) pulls
 * each by digest instead of building it again (`reusableImages`, `reuseImage`), and skips its
 * tests too when they had passed.
 */

/** `<registry>/drydock-retry/<owner>/<name>/<image>:build-<id>`, lowercased: only the worker's registry login reads it. */
export function keptReference(registry: string, build: Pick<Build, 'id' | 'repo'>, image: string): string {
  return `${registry}/drydock-retry/${build.repo}/${image}`.toLowerCase() + `:build-${build.id}`;
}

/**
 * What a retry may reuse, by image: what the build it retries kept, when both build the same
 * repository at the same commit. Nothing for a build that is no retry, nor for a fork's code.
 */
export async function reusableImages(build: Build, store: Pick<BuildStore, 'get'>): Promise<Map<string, KeptImage>> {
  if (build.retryOf === null || build.fork || build.sha === null) return new Map();
  const original = await store.get(build.retryOf);
  if (!original || original.repo !== build.repo || original.sha !== build.sha) return new Map();
  return new Map(original.keptImages.map((kept) => [kept.image, kept]));
}

/**
 * Pulls a kept image by its digest (docker checks the content against it) under the plan's local
 * name, where its build step would have put it. Undefined, said in the log, when that fails (the
 * build step then runs); a cancel rejects.
 */
export async function reuseImage(ctx: StepContext, docker: DockerEngine, plan: ImagePlan, kept: KeptImage): Promise<KeptImage | undefined> {
  const pinned = `${kept.reference.slice(0, kept.reference.lastIndexOf(':'))}@${kept.digest}`;
  ctx.log.line(`[drydock] pulling ${plan.label} as built by build ${kept.builtBy}: ${pinned}`);
  try {
    const { digest } = await docker.pullImage(pinned, plan.localRef, scopedTo(ctx));
    if (digest === kept.digest) return kept;
    ctx.log.line(`[drydock] the registry served ${digest} for ${pinned}: building ${plan.label} again`);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    ctx.log.line(`[drydock] could not reuse the image built by build ${kept.builtBy} (${messageOf(err)}): building ${plan.label} again`);
  }
  return undefined;
}

/**
 * Keeps, for a retry, each image the build made (its build step succeeded) or reused: a made one is
 * pushed to `keptReference` with the worker's login; a reused one is kept where it already is.
 * Stored as the build's `keptImages`, with whether its tests passed. Nothing for a fork's code (it
 * is never pushed), nor once the build was cancelled or ran out of time. Never fails the build:
 * a problem is said in the log.
 */
export async function keepForRetry(run: BuildRun, docker: DockerEngine | undefined, plans: ImagePlan[], reused: Map<string, KeptImage>, registry: string): Promise<void> {
  const { build, context: ctx } = run;
  if (!docker || build.fork || ctx.signal.aborted) return;
  const kept: KeptImage[] = [];
  for (const plan of plans) {
    const status = (name: 'build' | 'test') => build.steps.find((s) => s.name === name && s.image === plan.label)?.status;
    const tested = status('test') === 'success';
    const earlier = reused.get(plan.label);
    if (earlier) kept.push({ ...earlier, tested: earlier.tested || tested });
    if (earlier || status('build') !== 'success') continue;
    const reference = keptReference(registry, build, plan.label);
    try {
      await docker.tagImage(plan.localRef, reference);
      await ctx.confirmOwnership?.(); // two runs of one build never both push
      const { digest } = await docker.pushImage(reference, scopedTo(ctx));
      kept.push({ image: plan.label, reference, digest, builtBy: build.id, tested });
      ctx.log.line(`[drydock] kept ${plan.label} for a retry: ${reference} (${digest})`);
    } catch (err) {
      if (run.stopped) return;
      ctx.log.line(`[drydock] could not keep ${plan.label} for a retry (a retry builds it again): ${messageOf(err)}`);
    }
  }
  if (kept.length > 0) await run.save({ keptImages: kept }).catch((err) => ctx.log.line(`[drydock] kept images not stored: ${messageOf(err)}`));
}
