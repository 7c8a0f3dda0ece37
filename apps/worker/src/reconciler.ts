import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { messageOf, nowIso, type BuildStep } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import type { BuildEvents } from '@drydock/events';
import type { BuildReporter } from '@drydock/github';
import type { BuildLogs } from '@drydock/logs';
import { runWorkDir } from '@drydock/pipeline';
import type { BuildQueue } from '@drydock/queue';
import type { BuildStore, BuildWithRun, RunOwner } from '@drydock/store';

/** What a reconciler pass does about one build. */
export type ReconcileAction =
  | { kind: 'enqueue'; buildId: number } // stored `queued`, no job: a fresh one
  | { kind: 'requeue'; build: BuildWithRun } // its run's worker is gone, a run is left: queued again
  | { kind: 'fail'; build: BuildWithRun }; // its run's worker is gone, no run is left: `error` "worker lost"

export interface ReconcileRules {
  /** A run whose heartbeat is older than this has no live owner. */
  staleAfterMs: number;
  /** Runs a build may have; a build whose last run was lost after this many ends `error`. */
  maxAttempts: number;
}

export const RECONCILE_RULES: ReconcileRules = { staleAfterMs: 20_000, maxAttempts: 2 };

/**
 * The reconciler's decisions, from the unfinished builds, the builds that have a job waiting or
 * running, and the queued builds that had no job at the previous pass (`joblessBefore`): a queued
 * build is given a job once it was seen without one twice in a row (the API stores a build before
 * it queues it: one pass alone would race it). Returns `jobless` for the next pass.
 */
export function reconcileActions(
  builds: readonly BuildWithRun[],
  live: ReadonlySet<number>,
  joblessBefore: ReadonlySet<number>,
  now: number,
  rules: ReconcileRules = RECONCILE_RULES,
): { actions: ReconcileAction[]; jobless: Set<number> } {
  const actions: ReconcileAction[] = [];
  const jobless = new Set<number>();
  for (const build of builds) {
    if (build.status === 'queued' && !live.has(build.id)) {
      jobless.add(build.id);
      if (joblessBefore.has(build.id)) actions.push({ kind: 'enqueue', buildId: build.id });
    }
    if (build.status === 'running' && isStale(build, now, rules.staleAfterMs)) {
      actions.push({ kind: build.run.attempt < rules.maxAttempts ? 'requeue' : 'fail', build });
    }
  }
  return { actions, jobless };
}

const isStale = ({ run }: BuildWithRun, now: number, staleAfterMs: number): boolean =>
  run.heartbeatAt === null || now - Date.parse(run.heartbeatAt) > staleAfterMs;

export interface ReconcilerDeps {
  store: BuildStore;
  queue: Pick<BuildQueue, 'enqueue' | 'liveBuildIds'>;
  logs: BuildLogs;
  events: BuildEvents;
  reporter: BuildReporter;
  /** The engine every build runs on (SingleBuildEngines), to remove a lost run's containers; absent with an engine per repository (a dead worker's engines are stopped by their watchdog). */
  engine?: DockerEngine;
  /** Where runs keep their work dirs (PipelineSettings.dataDir): a lost run's is removed when it is on this machine. */
  dataDir: string;
  warn(message: string): void;
  now?: () => number;
  rules?: ReconcileRules;
}

/**
 * One pass of the reconciler (see `reconcileActions`), done by the leader only (the caller holds
 * the lease). A lost run is first taken over (BuildStore `takeOver`: the lost run, should it come
 * back, is fenced out), its containers removed, then the build is queued again with a fresh job,
 * or ended `error` "worker lost" with its steps closed, its log ended and its final status reported.
 */
export class Reconciler {
  private jobless = new Set<number>();
  private readonly self: string = `${hostname()}/${process.pid}`;

  constructor(private readonly deps: ReconcilerDeps) {}

  async pass(): Promise<ReconcileAction[]> {
    const { store, queue } = this.deps;
    const live = await queue.liveBuildIds(); // jobs first: a job made after this is never missed below
    const builds = await store.listUnfinished();
    const now = (this.deps.now ?? Date.now)();
    const { actions, jobless } = reconcileActions(builds, live, this.jobless, now, this.deps.rules);
    this.jobless = jobless;
    for (const action of actions) {
      try {
        if (action.kind === 'enqueue') await queue.enqueue(action.buildId);
        else await this.endLostRun(action.build, action.kind);
      } catch (err) {
        this.deps.warn(`reconciler: build ${action.kind === 'enqueue' ? action.buildId : action.build.id}: ${messageOf(err)}`);
      }
    }
    return actions;
  }

  private async endLostRun(lost: BuildWithRun, kind: 'requeue' | 'fail'): Promise<void> {
    const { store, queue, logs, events } = this.deps;
    const me: RunOwner = { runId: `reconciler-${randomUUID()}`, owner: this.self };
    const taken = await store.takeOver(lost.id, lost.run.runId, me);
    if (!taken) return; // the run came back, or another pass got there first
    await this.deps.engine?.removeBuildResources(lost.id).catch((err) => this.deps.warn(`reconciler: build ${lost.id}: containers not removed: ${messageOf(err)}`));
    if (lost.run.runId) await rm(runWorkDir(this.deps.dataDir, lost.id, lost.run.runId), { recursive: true, force: true }).catch(() => undefined);
    // One attempt on from the lost run: its log writes, should it come back, are dropped.
    const log = logs.open(lost.id, [], { id: me.runId, attempt: lost.run.attempt + 1 });
    const who = lost.run.owner ?? 'a worker from before runs were recorded';
    if (kind === 'requeue') {
      log.line(`[drydock] worker lost: ${who} stopped answering; queued again (attempt ${lost.run.attempt + 1} of ${this.rules.maxAttempts})`);
      await log.abandon();
      const queued = await store.transition(lost.id, ['running'], { status: 'queued', startedAt: null, steps: [], images: [] }, me.runId);
      if (!queued) return;
      await queue.enqueue(lost.id);
      await events.publish({ type: 'build.changed', buildId: lost.id, status: 'queued' }).catch(() => undefined);
      return;
    }
    log.line(`[drydock] build failed: worker lost (${who} stopped answering, attempt ${lost.run.attempt} of ${this.rules.maxAttempts})`);
    await log.close().catch((err) => this.deps.warn(`reconciler: build ${lost.id}: log not stored: ${messageOf(err)}`));
    const ended = await store.transition(
      lost.id,
      ['running'],
      { status: 'error', finishedAt: nowIso(), error: WORKER_LOST, steps: closedSteps(taken.steps) },
      me.runId,
    );
    if (!ended) return;
    await events.publish({ type: 'build.finished', buildId: ended.id, status: ended.status }).catch(() => undefined);
    await this.report(ended, ended.steps);
  }

  /** The final status, on the build's context and, with several images, on each image's. */
  private async report(build: Parameters<BuildReporter['report']>[0], steps: BuildStep[]): Promise<void> {
    const images = [...new Set(steps.flatMap((s) => (s.image ? [s.image] : [])))];
    const updates = [{ state: 'error' as const, description: WORKER_LOST }, ...(images.length > 1 ? images.map((image) => ({ state: 'error' as const, description: WORKER_LOST, image })) : [])];
    for (const update of updates) {
      const problem = await this.deps.reporter.report(build, update);
      if (problem) this.deps.warn(`reconciler: build ${build.id}: ${problem}`);
    }
  }

  private get rules(): ReconcileRules {
    return this.deps.rules ?? RECONCILE_RULES;
  }
}

export const WORKER_LOST = 'worker lost';

/** The steps of a build whose worker was lost: the one running ends `error`, those never started are skipped. */
const closedSteps = (steps: BuildStep[]): BuildStep[] =>
  steps.map((s): BuildStep => {
    if (s.status === 'running') return { ...s, status: 'error', finishedAt: nowIso() };
    return s.status === 'pending' ? { ...s, status: 'skipped' } : s;
  });
