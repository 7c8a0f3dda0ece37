import { mkdir, rm } from 'node:fs/promises';
import {
  DrydockError,
  errorCodeOf,
  messageOf,
  nowIso,
  retriesStep,
  viewOf,
  type Build,
  type BuildStep,
  type Outcome,
  type OutcomeView,
  type StepName,
} from '@drydock/core';
import type { BuildEngines, DockerEngine, EngineLease } from '@drydock/docker';
import type { BuildReport } from '@drydock/github';
import type { BuildPatch, BuildWithRun } from '@drydock/store';
import { composeTrust } from './compose-allow.js';
import type { ImagePlan } from './image-plan.js';
import { MaskedLog } from './masked-log.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { RunOwnership, runWorkDir, type RunControl, type StopReason } from './run-ownership.js';
import type { StepContext } from './step-context.js';

/**
 * One run of a claimed build in progress: its stored state, log, work dir (its own) and cancel
 * signal. Steps go through `step()`, which records their start, finish and status with the build;
 * every stored change is fenced on the run (see RunOwnership) and announced on the build-events
 * channel. A run that stops without an outcome (`stopped`: lost, or handed back) writes no step.
 */
export class BuildRun {
  readonly log: MaskedLog;
  readonly workDir: string;
  readonly context: StepContext;
  /** Aborts when the build is cancelled, runs out of time, or the run stops without an outcome. */
  readonly signal: AbortSignal;
  readonly ownership: RunOwnership;
  private readonly deadline = new AbortController();
  private readonly startedAt = Date.now();
  private timeoutSeconds = 0;
  private timer: NodeJS.Timeout | undefined;
  private logClosed = false;
  private lease: EngineLease | undefined;

  private constructor(
    public build: Build,
    private readonly deps: Pick<PipelineDeps, 'store' | 'reporter' | 'events' | 'warn'>,
    private readonly cancel: AbortSignal,
    logs: PipelineDeps['logs'],
    settings: PipelineDeps['settings'],
    ownership: RunOwnership,
  ) {
    this.ownership = ownership;
    this.signal = AbortSignal.any([cancel, this.deadline.signal, ownership.signal]);
    this.log = new MaskedLog(logs.open(build.id, [], { id: ownership.runId, attempt: ownership.attempt }));
    this.workDir = runWorkDir(settings.dataDir, build.id, ownership.runId);
    const compose = composeTrust(build.cloneUrl, settings.trustedRepos ?? [], build.fork === true);
    this.context = {
      buildId: build.id,
      runId: ownership.runId,
      log: this.log,
      signal: this.signal,
      composeTrust: compose,
      confirmOwnership: () => ownership.confirm(),
      mask: (values) => this.log.add(values),
    };
  }

  /** Opens the log and a fresh work dir for a run that just claimed its build, and starts its heartbeat; its clock starts now. */
  static async start(claimed: BuildWithRun, deps: PipelineDeps, signal: AbortSignal, control: RunControl): Promise<BuildRun> {
    const ownership = new RunOwnership(claimed, deps.store, deps.warn, control);
    const run = new BuildRun(claimed, deps, signal, deps.logs, deps.settings, ownership);
    if (ownership.attempt > 1) run.log.line(`[drydock] attempt ${ownership.attempt}: run ${ownership.runId.slice(0, 8)} on ${ownership.owner}`);
    ownership.startHeartbeat(deps.settings.heartbeatMs ?? 5000);
    run.limitTo(deps.settings.buildTimeoutSeconds);
    await rm(run.workDir, { recursive: true, force: true });
    await mkdir(run.workDir, { recursive: true });
    await run.announce();
    return run;
  }

  /** Why the run stopped without an outcome of its own, if it did (see RunOwnership). */
  get stopped(): StopReason | undefined {
    return this.ownership.stopped;
  }

  /** Another run owns the build now: this one writes nothing more. */
  get lost(): boolean {
    return this.ownership.stopped?.kind === 'lost';
  }

  /** The build must end this many seconds after it started (the time already run counts). */
  limitTo(seconds: number): void {
    clearTimeout(this.timer);
    this.timeoutSeconds = seconds;
    const left = this.startedAt + seconds * 1000 - Date.now();
    this.timer = setTimeout(() => this.deadline.abort(), Math.max(left, 0)).unref();
  }

  /**
   * The repository's own engine (see `BuildEngines`), or for a fork's code a throwaway one that no
   * other build sees; held until `cleanup`; may wait while every engine is busy.
   */
  async acquireEngine(engines: BuildEngines): Promise<DockerEngine> {
    const { repo, fork } = this.build;
    if (fork) this.log.line('[drydock] The code comes from a fork: it runs on a throwaway engine, gets no secrets and is never pushed');
    this.lease = await engines.acquire({ repo, ephemeral: fork, signal: this.signal });
    return this.lease.engine;
  }

  /**
   * Runs one step, recording its start, finish and status. A step that failed for a reason outside
   * the build that may pass (`retriesStep`: the engine unreachable, the registry down after its own
   * backoff, a clone's network error) is run once more at once, said in the log; never a failing
   * test, a Dockerfile or config error, nor a cancelled, timed-out or stopped run.
   */
  async step<T>(name: StepName, work: (ctx: StepContext) => Promise<T>, plan?: ImagePlan): Promise<T> {
    this.throwIfCancelled();
    const image = plan?.label;
    const title = titleOf(name, image);
    const started = Date.now();
    this.log.line(`==> ${title}`);
    await this.setStep(name, image, { status: 'running', startedAt: nowIso() });
    try {
      const result = await work(this.context).catch((err: unknown) => {
        const { code, message } = this.outcomeOf(err);
        if (this.stopped || this.signal.aborted || code === null || !retriesStep(code)) throw err;
        this.log.line(`[drydock] ${title} failed for a reason outside the build (${message}); trying it once more`);
        return work(this.context);
      });
      this.throwIfCancelled();
      await this.setStep(name, image, { status: 'success', finishedAt: nowIso() });
      this.log.line(`==> ${title} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return result;
    } catch (err) {
      if (!this.stopped) await this.setStep(name, image, { status: viewOf(this.outcomeOf(err)).stepStatus, finishedAt: nowIso() });
      throw err;
    }
  }

  /** Adds what a finished step learned (a build step's cache reuse) to it. */
  async noteStep(name: StepName, plan: ImagePlan, change: Pick<BuildStep, 'cache'>): Promise<void> {
    await this.setStep(name, plan.label, change);
  }

  /** A step the build does not run: marked skipped, with the reason in the log. */
  async skip(name: StepName, reason: string, plan?: ImagePlan): Promise<void> {
    this.throwIfCancelled();
    this.log.line(`==> ${titleOf(name, plan?.label)} skipped: ${reason}`);
    await this.setStep(name, plan?.label, { status: 'skipped' });
  }

  /** Adds each planned image's build, test and push steps. */
  async planSteps(plans: ImagePlan[]): Promise<void> {
    const planned = plans.flatMap(({ label }) =>
      (['build', 'test', 'push'] as const).map((name): BuildStep => ({ name, image: label, status: 'pending', startedAt: null, finishedAt: null })),
    );
    await this.save({ steps: [...this.build.steps, ...planned] });
  }

  /**
   * Stores the update for GitHub (the report outbox sends it; nothing here waits on GitHub). A
   * problem (the update was not stored, or GitHub cannot be told at all) goes to the build's log,
   * or to the worker's once that log is closed.
   */
  async report(update: BuildReport): Promise<void> {
    const problem = await this.deps.reporter.report(this.build, update);
    if (!problem) return;
    if (this.logClosed) this.deps.warn(`build ${this.build.id}: ${problem}`);
    else this.log.line(`[drydock] ${problem}`);
  }

  /** Stores `patch` while the run owns the build; rejects `RunStopped` (and stops the run) once it does not. */
  async save(patch: BuildPatch): Promise<void> {
    this.build = await this.ownership.write(patch);
    await this.announce();
  }

  /** What an error thrown by a step means; a run that ran out of time or was cancelled is that, whatever the step threw. */
  outcomeOf(err: unknown): Outcome {
    if (this.deadline.signal.aborted && !this.cancel.aborted) return { code: 'timeout', message: `timed out after ${formatSeconds(this.timeoutSeconds)}` };
    if (this.cancel.aborted) return { code: 'cancelled', message: 'Cancelled' };
    return { code: errorCodeOf(err), message: this.log.mask(messageOf(err)) };
  }

  /** Marks steps still open: the one that was running gets the outcome's step status, the ones never started theirs. */
  async closeOpenSteps(view: OutcomeView): Promise<void> {
    if (!this.build.steps.some((s) => s.status === 'pending' || s.status === 'running')) return;
    const steps = this.build.steps.map((s): BuildStep => {
      if (s.status === 'running') return { ...s, status: view.stepStatus, finishedAt: nowIso() };
      return s.status === 'pending' ? { ...s, status: view.openStepStatus } : s;
    });
    await this.save({ steps });
  }

  /**
   * `end`: removes the build's containers and the run's work dir, gives its engine back, then
   * stores its log. `leave` (a run that stopped without an outcome): the build's containers stay
   * (each call removed what it started when the run stopped; the build's next owner sweeps the
   * rest), and the log is left unended for the next run. Idempotent, never throws.
   */
  async cleanup(how: 'end' | 'leave'): Promise<void> {
    clearTimeout(this.timer);
    this.ownership.stopHeartbeat();
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      if (how === 'end') await lease.engine.removeBuildResources(this.build.id).catch((err) => this.log.line(`[drydock] cleanup: ${messageOf(err)}`));
      lease.release();
    }
    await rm(this.workDir, { recursive: true, force: true }).catch(() => undefined);
    this.logClosed = true;
    if (how === 'leave') await this.log.abandon();
    else await this.log.close().catch((err) => this.deps.warn(`build ${this.build.id}: log not stored: ${messageOf(err)}`));
  }

  /** Publishes the build's stored status; the channel being down never fails a build. */
  async announce(type: 'build.changed' | 'build.finished' = 'build.changed'): Promise<void> {
    await this.deps.events
      .publish({ type, buildId: this.build.id, status: this.build.status })
      .catch((err) => this.deps.warn(`build ${this.build.id}: ${type} not published: ${messageOf(err)}`));
  }

  private throwIfCancelled(): void {
    if (this.signal.aborted) throw new DrydockError('cancelled', 'Cancelled'); // outcomeOf tells a cancel from a timeout
  }

  private async setStep(name: StepName, image: string | undefined, change: Partial<BuildStep>): Promise<void> {
    const steps = this.build.steps.map((s) => (s.name === name && s.image === image ? { ...s, ...change } : s));
    await this.save({ steps });
  }
}

const titleOf = (name: StepName, image: string | undefined): string => `${name}${image ? ` ${image}` : ''}`;

export const initialSteps = (): BuildStep[] =>
  (['clone', 'config'] as const).map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null }));

/** 15 -> `15s`, 600 -> `10m`, 5400 -> `1h30m`, 90 -> `1m30s` */
export function formatSeconds(total: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(total / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
    [total % 60, 's'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('') || '0s';
}
