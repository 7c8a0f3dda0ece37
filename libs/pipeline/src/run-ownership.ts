import path from 'node:path';
import { messageOf, type Build } from '@drydock/core';
import type { BuildPatch, BuildStore, BuildWithRun } from '@drydock/store';

/** What the worker tells a run besides a cancel (see `runBuild`). */
export interface RunControl {
  /** Aborts when the queue lost its lock on the run's job: the run stops at once, handing the build back if it still owns it. */
  lockLost?: AbortSignal;
  /** Aborts when the worker shuts down and its grace period is over: the run stops and hands the build back to the queue. */
  handBack?: AbortSignal;
  /** Called once the run has claimed its build, before anything of it runs. */
  onClaimed?: () => void;
}

/**
 * Why a run stopped without an outcome of its own: it lost the build to another run (a fence
 * failed), or gives it back to the queue (the worker shuts down, or the queue lost its lock on
 * the job: whether another run has the build yet or not, this one stops at once).
 */
export interface StopReason {
  kind: 'lost' | 'handback';
  message: string;
}

/** Thrown by a fenced write of a run that no longer owns its build (or has stopped): never a build's outcome. */
export class RunStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`run stopped: ${reason.message}`);
    this.name = 'RunStopped';
  }
}

/**
 * Thrown by `runBuild` for a build that stays queued because its repository runs as many builds
 * as it may, or an older build of it is still queued (BuildStore `claim` said `repo_busy`): no run
 * started and nothing was written; ask again later.
 */
export class RepoBusy extends Error {
  constructor(readonly buildId: number) {
    super(`build ${buildId} waits for its repository's earlier builds`);
    this.name = 'RepoBusy';
  }
}

/** Each run works in a directory of its own, so a lost run never deletes the next run's checkout. */
export const runWorkDir = (dataDir: string, buildId: number, runId: string): string => path.join(dataDir, 'builds', `${buildId}-${runId.slice(0, 8)}`);

/**
 * A run's hold on its build (see BuildStore `claim`): every write goes through `write`, fenced
 * on the run's id; a heartbeat (a fenced empty write) every `heartbeatMs`. The first failed
 * fence, a lost queue lock or a hand-back stops the run: `signal` aborts at once, and the
 * run's steps stop with it. A failed write that is not a fence (the database unreachable) is
 * the write's error, and a failed heartbeat only a warning: the reconciler decides when a run
 * that cannot be heard is gone.
 */
export class RunOwnership {
  readonly runId: string;
  readonly attempt: number;
  readonly owner: string;
  private readonly buildId: number;
  private readonly stopper = new AbortController();
  private reason: StopReason | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    claimed: BuildWithRun,
    private readonly store: BuildStore,
    private readonly warn: (message: string) => void,
    control: RunControl,
  ) {
    this.runId = claimed.run.runId ?? '';
    this.attempt = claimed.run.attempt;
    this.owner = claimed.run.owner ?? '';
    this.buildId = claimed.id;
    const on = (signal: AbortSignal | undefined, reason: StopReason) => {
      if (signal?.aborted) this.stop(reason);
      else signal?.addEventListener('abort', () => this.stop(reason), { once: true });
    };
    on(control.lockLost, { kind: 'handback', message: "the queue lost this worker's lock on the job" });
    on(control.handBack, { kind: 'handback', message: 'worker shutting down' });
  }

  /** Aborts when the run stops without an outcome (see `stopped`). */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  /** Why the run stopped, once it has. */
  get stopped(): StopReason | undefined {
    return this.reason;
  }

  /** The first reason wins. */
  stop(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.stopper.abort(new RunStopped(reason));
  }

  startHeartbeat(intervalMs: number): void {
    this.heartbeat = setInterval(() => {
      this.confirm().catch((err) => {
        if (!(err instanceof RunStopped)) this.warn(`build ${this.buildId}: heartbeat not stored: ${messageOf(err)}`);
      });
    }, intervalMs).unref();
  }

  stopHeartbeat(): void {
    clearInterval(this.heartbeat);
  }

  /** Writes `patch` while the run owns the build; a run that lost it stops, and this rejects `RunStopped`. */
  async write(patch: BuildPatch): Promise<Build> {
    if (this.reason?.kind === 'lost') throw new RunStopped(this.reason);
    const saved = await this.store.updateRun(this.buildId, this.runId, patch);
    if (saved) return saved;
    this.stop({ kind: 'lost', message: 'another run owns the build now' });
    throw new RunStopped(this.reason!);
  }

  /** Rejects `RunStopped` unless the run still owns the build (asked of the store): before anything leaves the engine. */
  async confirm(): Promise<void> {
    if (this.reason) throw new RunStopped(this.reason);
    await this.write({});
  }
}
