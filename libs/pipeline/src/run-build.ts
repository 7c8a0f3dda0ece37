import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { commitStateOf, messageOf, nowIso, tagOf, viewOf, type Build, type BuildImage, type KeptImage, type Outcome } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import { BuildRun, initialSteps } from './build-run.js';
import { planImages, retagged, type ImagePlan } from './image-plan.js';
import { imageReports } from './image-statuses.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { releasedVersions } from './released-versions.js';
import { keepForRetry, reusableImages, reuseImage } from './retry-images.js';
import { RepoBusy, type RunControl } from './run-ownership.js';
import { buildStep } from './steps/build.step.js';
import { cloneStep, learnedFromCheckout } from './steps/clone.step.js';
import { configStep } from './steps/config.step.js';
import { pushStep } from './steps/push.step.js';
import { testStep } from './steps/test.step.js';

/** Why a fork's build (untrusted code) skips its push steps. */
const FORK_NOT_PUSHED = 'the code comes from a fork';

/**
 * The whole pipeline, top to bottom: claim -> report pending -> the repository's engine (a throwaway
 * one for a fork's code) -> clone -> .drydock.yml -> plan the images -> per image: build -> test ->
 * (all passed, and not a fork) push -> report the outcome. An image `.drydock.yml` leaves out of
 * this build (`branches`, `paths`) has its steps skipped, with the reason.
 * A step that throws stops the build; nothing is pushed unless every image built and passed. A
 * build that ends without success keeps the images it built for a retry; a retry (`retryOf`)
 * reuses them instead of building, and skips the tests that had passed (see retry-images.ts).
 * Each call is a run of its own (see BuildStore `claim`): only a `queued` build is taken, and a
 * run that loses the build, or is told to hand it back (`control`), stops without an outcome.
 * A build its repository is not ready for (`settings.repoConcurrency`) is left queued, untouched:
 * this rejects `RepoBusy`, and the caller tries again later.
 * Resolves with the build as stored at the end (as found, if it was not this run's to take).
 */
export async function runBuild(buildId: number, deps: PipelineDeps, signal: AbortSignal, control: RunControl = {}): Promise<Build | undefined> {
  const owner = { runId: randomUUID(), owner: deps.settings.workerId ?? `${hostname()}/${process.pid}` };
  const claimed = await deps.store.claim(buildId, owner, { startedAt: nowIso(), finishedAt: null, steps: initialSteps(), images: [], error: null }, deps.settings.repoConcurrency ?? 1);
  if (claimed === 'repo_busy') throw new RepoBusy(buildId); // still queued, behind its repository's other builds
  if (claimed === 'not_queued') return deps.store.get(buildId); // another run has it, or it was cancelled or finished before it started
  control.onClaimed?.();
  const run = await BuildRun.start(claimed, deps, signal, control);
  let plans: ImagePlan[] = [];
  let engine: DockerEngine | undefined; // the catch keeps the built images from it for a retry
  const reused = new Map<string, KeptImage>();
  let outcome: Outcome;
  try {
    await run.report({ state: 'pending', description: 'Build running' });
    const docker = (engine = await run.acquireEngine(deps.engines)); // the repository's own engine: no other repository's cache; a fork's: nobody's
    const { build } = run;
    const destDir = `${run.workDir}/src`;
    let token: string | undefined; // sent to the GitHub host only (the git adapter enforces that)
    const checkout = await run.step('clone', async (ctx) => {
      token = await deps.credentials.tokenFor(build);
      return cloneStep(ctx, deps.git, { cloneUrl: build.cloneUrl, ref: build.ref, sha: build.sha, token, destDir });
    });
    const learned = learnedFromCheckout(run.build, checkout); // its full sha, and the title and author the trigger did not give
    if (Object.keys(learned).length > 0) await run.save(learned);
    const { secretsDir } = deps.settings;
    const config = await run.step('config', (ctx) => configStep(ctx, { docker, git: deps.git, store: deps.store }, { build, checkout, token, secretsDir }));
    if (config.timeoutSeconds !== null) run.limitTo(Math.min(config.timeoutSeconds, deps.settings.buildTimeoutSeconds));
    const released = tagOf(build.ref) ? await releasedVersions(deps.store, build.repo) : [];
    plans = planImages(run.build, checkout.sha, config.images, deps.settings.registry, released, config.skips);
    await run.planSteps(plans);
    for (const report of imageReports(run.build, plans)) await run.report(report);
    const reusable = await reusableImages(run.build, deps.store);
    for (const plan of plans) {
      if (plan.skip !== null) {
        for (const step of ['build', 'test', 'push'] as const) await run.skip(step, plan.skip, plan);
        continue;
      }
      const kept = reusable.get(plan.label);
      const reusedImage = kept && (await reuseImage(run.context, docker, plan, kept));
      if (reusedImage) reused.set(plan.label, reusedImage);
      if (reusedImage) await run.skip('build', `reused image built by build ${reusedImage.builtBy} (${reusedImage.digest})`, plan);
      else {
        const cache = await run.step('build', (ctx) => buildStep(ctx, docker, plan, checkout.dir, config.secrets), plan);
        if (cache) await run.noteStep('build', plan, { cache });
      }
      if (reusedImage?.tested) await run.skip('test', `its tests passed in build ${build.retryOf}`, plan);
      else await run.step('test', (ctx) => testStep(ctx, docker, plan, config.composeTestFile, checkout.dir), plan);
    }
    // A push or pull request of the same commit may have joined the build meanwhile: its tags too.
    plans = retagged(plans, (await deps.store.get(build.id)) ?? run.build, checkout.sha, released);
    const pushed: BuildImage[] = [];
    for (const plan of plans.filter((p) => p.skip === null)) {
      if (build.fork) {
        await run.skip('push', FORK_NOT_PUSHED, plan);
        continue;
      }
      pushed.push(await run.step('push', (ctx) => pushStep(ctx, docker, plan), plan));
      await run.save({ images: pushed });
    }
    outcome = { code: null, message: summaryOf(build, plans) };
  } catch (err) {
    if (run.stopped) return stopWithoutOutcome(run, deps);
    outcome = run.outcomeOf(err);
    await keepForRetry(run, engine, plans, reused, deps.settings.registry);
  }
  return finish(run, deps, outcome, plans);
}

/** What a build that succeeded did, for its status. */
function summaryOf(build: Build, plans: ImagePlan[]): string {
  const built = plans.filter((p) => p.skip === null);
  if (built.length === 0) return plans.length === 1 ? `Skipped: ${plans[0].skip}` : 'Every image skipped (.drydock.yml branches and paths)';
  if (build.fork) return `Built and tested, not pushed: ${FORK_NOT_PUSHED}`;
  return `Pushed ${built.map((p) => `${p.repository}:${p.tags[0]}`).join(', ')}`;
}

/**
 * Closes the steps, cleans up and stores the log, then records the final status and tells
 * GitHub: whoever sees a build finished finds its whole log and none of its containers.
 */
async function finish(run: BuildRun, deps: PipelineDeps, outcome: Outcome, plans: ImagePlan[]): Promise<Build | undefined> {
  const view = viewOf(outcome);
  run.log.line(view.logLine);
  try {
    await run.closeOpenSteps(view);
  } catch (err) {
    if (!run.lost) deps.warn(`build ${run.build.id}: steps not closed: ${messageOf(err)}`); // the final status is still worth storing
  } finally {
    await run.cleanup(run.lost ? 'leave' : 'end');
  }
  if (run.lost) return deps.store.get(run.build.id); // the new owner owns the outcome
  const ended = await deps.store.transition(
    run.build.id,
    ['running'],
    { status: view.status, finishedAt: nowIso(), error: outcome.code ? view.description : null },
    run.ownership.runId,
  );
  const now = ended ?? (await deps.store.get(run.build.id));
  if (!ended && now?.status === 'running') return now; // another run owns it now: its outcome, its report
  // Not 'running' any more: the build was cancelled from the API meanwhile; report what is stored.
  run.build = now ?? run.build;
  await run.announce('build.finished');
  const { status } = run.build;
  const stored = status === view.status ? view : viewOf({ code: status === 'cancelled' ? 'cancelled' : 'conflict', message: run.build.error ?? status });
  // A build cancelled from outside says why ("superseded by 1a2b3c4", "pull request closed").
  const description = status === 'cancelled' && run.build.error ? run.build.error : stored.description;
  await run.report({ state: commitStateOf(status), description });
  for (const report of imageReports(run.build, plans)) await run.report(report);
  return run.build;
}

/**
 * A run that stopped without an outcome: it writes nothing about the build's result. One that
 * still owns the build (the worker shuts down, or the queue lost its lock) puts it back in the
 * queue with a fresh job; one that lost it leaves it to its new owner.
 */
async function stopWithoutOutcome(run: BuildRun, deps: PipelineDeps): Promise<Build | undefined> {
  const reason = run.stopped!;
  run.log.line(reason.kind === 'handback' ? `[drydock] handed back: ${reason.message}` : `[drydock] run stopped: ${reason.message}`);
  await run.cleanup('leave');
  const { id } = run.build;
  const queued = await deps.store
    .transition(id, ['running'], { status: 'queued', startedAt: null, steps: [], images: [] }, run.ownership.runId)
    .catch((err) => deps.warn(`build ${id}: not handed back (the reconciler will): ${messageOf(err)}`));
  if (!queued) return deps.store.get(id);
  run.build = queued;
  await run.announce();
  await deps.queue.enqueue(id).catch((err) => deps.warn(`build ${id}: handed back but not queued (the reconciler will): ${messageOf(err)}`));
  return queued;
}
