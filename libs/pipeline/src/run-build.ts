import { commitStateOf, nowIso, tagOf, viewOf, type Build, type BuildImage, type Outcome } from '@drydock/core';
import { BuildRun, initialSteps } from './build-run.js';
import { planImages, type ImagePlan } from './image-plan.js';
import { imageReports } from './image-statuses.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { releasedVersions } from './released-versions.js';
import { buildStep } from './steps/build.step.js';
import { cloneStep } from './steps/clone.step.js';
import { configStep } from './steps/config.step.js';
import { pushStep } from './steps/push.step.js';
import { testStep } from './steps/test.step.js';

/** Why a fork's build (untrusted code) skips its push steps. */
const FORK_NOT_PUSHED = 'the code comes from a fork';

/**
 * The whole pipeline, top to bottom: claim -> report pending -> the repository's engine (a throwaway
 * one for a fork's code) -> clone -> .drydock.yml -> plan the images -> per image: build -> test ->
 * (all passed, and not a fork) push -> report the outcome.
 * A step that throws stops the build; nothing is pushed unless every image built and passed.
 * Resolves with the build as stored at the end (as found, if it was not this run's to take).
 */
export async function runBuild(buildId: number, deps: PipelineDeps, signal: AbortSignal): Promise<Build | undefined> {
  // 'running' too: a job whose worker died is handed to another worker by the queue.
  const claimed = await deps.store.transition(buildId, ['queued', 'running'], {
    status: 'running',
    startedAt: nowIso(),
    finishedAt: null,
    steps: initialSteps(),
    images: [],
    error: null,
  });
  if (!claimed) return deps.store.get(buildId); // cancelled or finished before it started
  const run = await BuildRun.start(claimed, deps, signal);
  let plans: ImagePlan[] = [];
  let outcome: Outcome;
  try {
    await run.report({ state: 'pending', description: 'Build running' });
    const docker = await run.acquireEngine(deps.engines); // the repository's own engine: no other repository's cache; a fork's: nobody's
    const { build } = run;
    const destDir = `${run.workDir}/src`;
    const checkout = await run.step('clone', (ctx) =>
      cloneStep(ctx, deps.git, { cloneUrl: build.cloneUrl, ref: build.ref, sha: build.sha, token: deps.settings.githubToken, destDir }),
    );
    if (checkout.sha !== run.build.sha) await run.save({ sha: checkout.sha });
    const config = await run.step('config', (ctx) => configStep(ctx, docker, checkout.dir));
    if (config.timeoutSeconds !== null) run.limitTo(Math.min(config.timeoutSeconds, deps.settings.buildTimeoutSeconds));
    const released = tagOf(build.ref) ? await releasedVersions(deps.store, build.repo) : [];
    plans = planImages(run.build, checkout.sha, config.images, deps.settings.registry, released);
    await run.planSteps(plans);
    for (const report of imageReports(run.build, plans)) await run.report(report);
    for (const plan of plans) {
      await run.step('build', (ctx) => buildStep(ctx, docker, plan, checkout.dir), plan);
      await run.step('test', (ctx) => testStep(ctx, docker, plan, config.composeTestFile, checkout.dir), plan);
    }
    const pushed: BuildImage[] = [];
    for (const plan of plans) {
      if (build.fork) {
        await run.skip('push', FORK_NOT_PUSHED, plan);
        continue;
      }
      pushed.push(await run.step('push', (ctx) => pushStep(ctx, docker, plan), plan));
      await run.save({ images: pushed });
    }
    const summary = build.fork ? `Built and tested, not pushed: ${FORK_NOT_PUSHED}` : `Pushed ${plans.map((p) => `${p.repository}:${p.tags[0]}`).join(', ')}`;
    outcome = { code: null, message: summary };
  } catch (err) {
    outcome = run.outcomeOf(err);
  }
  return finish(run, deps, outcome, plans);
}

/**
 * Closes the steps, cleans up and stores the log, then records the final status and tells
 * GitHub: whoever sees a build finished finds its whole log and none of its containers.
 */
async function finish(run: BuildRun, deps: PipelineDeps, outcome: Outcome, plans: ImagePlan[]): Promise<Build> {
  const view = viewOf(outcome);
  run.log.line(view.logLine);
  await run.closeOpenSteps(view);
  await run.cleanup();
  const ended = await deps.store.transition(run.build.id, ['running'], {
    status: view.status,
    finishedAt: nowIso(),
    error: outcome.code ? view.description : null,
  });
  // Not 'running' any more: the build was cancelled from the API meanwhile; report what is stored.
  run.build = ended ?? (await deps.store.get(run.build.id)) ?? run.build;
  await run.announce('build.finished');
  const { status } = run.build;
  const stored = status === view.status ? view : viewOf({ code: status === 'cancelled' ? 'cancelled' : 'conflict', message: run.build.error ?? status });
  await run.report({ state: commitStateOf(status), description: stored.description });
  for (const report of imageReports(run.build, plans)) await run.report(report);
  return run.build;
}
