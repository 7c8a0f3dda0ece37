import { githubStateFor, messageOf, nowIso, type Build, type BuildStatus, type ErrorCode } from '@drydock/core';
import { BuildRun, initialSteps } from './build-run.js';
import { imageReports } from './image-statuses.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { buildStep, imageLabel, type BuiltImage } from './steps/build.step.js';
import { cloneStep } from './steps/clone.step.js';
import { configStep } from './steps/config.step.js';
import { pushStep } from './steps/push.step.js';
import { testStep } from './steps/test.step.js';

/**
 * The whole pipeline, top to bottom: report pending -> clone -> .drydock.yml ->
 * per image: build -> test -> (all passed) push -> report the outcome.
 * A step that throws stops the build; nothing is pushed unless every image built and passed.
 * Resolves with the build as stored at the end (undefined if it was not ours to run).
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
  if (!claimed) return deps.store.get(buildId); // cancelled before it started
  const run = new BuildRun(claimed, deps, signal);
  let outcome: Outcome;
  try {
    await run.prepare();
    await run.report({ state: 'pending', description: 'Build running' });
    const checkout = await run.step('clone', () => cloneStep(run));
    const config = await run.step('config', () => configStep(run, checkout.dir));
    await run.planImages(config.images.map((spec) => imageLabel(spec, run.build.repo)));
    for (const report of imageReports(run.build)) await run.report(report);
    const built: BuiltImage[] = [];
    for (const [index, spec] of config.images.entries()) {
      const label = imageLabel(spec, run.build.repo);
      const image = await run.step('build', () => buildStep(run, spec, index, checkout), label);
      await run.step('test', () => testStep(run, image, config.composeTestFile, checkout.dir), label);
      built.push(image);
    }
    for (const image of built) await run.step('push', () => pushStep(run, image), image.label);
    outcome = { status: 'success', code: null, message: `Pushed ${built.map((i) => `${i.repository}:${i.tags[0]}`).join(', ')}` };
  } catch (err) {
    const code = run.codeOf(err);
    const message = code === 'cancelled' ? 'Cancelled' : messageOf(err);
    run.log.line(`[drydock] ${code === 'cancelled' ? 'build cancelled' : `build failed: ${message}`}`);
    outcome = { status: statusFor(code), code, message };
  }
  return finish(run, outcome);
}

interface Outcome {
  status: BuildStatus;
  code: ErrorCode | null;
  message: string;
}

/**
 * Cleans up, stores the log, then records the final status and tells GitHub: whoever sees
 * a build finished finds its whole log and none of its containers.
 */
async function finish(run: BuildRun, { status, code, message }: Outcome): Promise<Build> {
  await run.closeOpenSteps(code);
  await run.cleanup();
  const ended = await run.deps.store.transition(run.build.id, ['running'], {
    status,
    finishedAt: nowIso(),
    error: code ? message : null,
  });
  // Not 'running' any more: the build was cancelled from the API while this step ran.
  run.build = ended ?? (await run.deps.store.get(run.build.id)) ?? run.build;
  const final = run.build.status;
  await run.report(
    final === 'success'
      ? { state: 'success', description: message }
      : { state: final === 'failure' ? 'failure' : 'error', description: final === 'cancelled' ? 'Cancelled' : message },
  );
  for (const report of imageReports(run.build)) await run.report(report);
  return run.build;
}

function statusFor(code: ErrorCode): BuildStatus {
  return code === 'cancelled' ? 'cancelled' : githubStateFor(code);
}
