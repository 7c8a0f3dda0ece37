import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  DrydockError,
  errorCodeOf,
  githubStateFor,
  messageOf,
  nowIso,
  type Build,
  type BuildStep,
  type ErrorCode,
  type StepName,
  type StepStatus,
} from '@drydock/core';
import type { BuildReport } from '@drydock/github';
import type { BuildLogWriter } from '@drydock/logs';
import type { BuildPatch } from '@drydock/store';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * One build in progress: its stored state, its log, its work dir and its cancel signal.
 * Steps go through `step()`, which records start, finish and status with the build.
 */
export class BuildRun {
  readonly log: BuildLogWriter;
  readonly workDir: string;
  private logClosed = false;

  constructor(
    public build: Build,
    readonly deps: PipelineDeps,
    readonly signal: AbortSignal,
  ) {
    this.log = deps.logs.open(build.id);
    this.workDir = path.join(deps.settings.dataDir, 'builds', String(build.id));
  }

  async prepare(): Promise<void> {
    await rm(this.workDir, { recursive: true, force: true });
    await mkdir(this.workDir, { recursive: true });
  }

  async step<T>(name: StepName, work: () => Promise<T>, image?: string): Promise<T> {
    this.throwIfCancelled();
    const started = Date.now();
    this.log.line(`==> ${name}${image ? ` ${image}` : ''}`);
    await this.setStep(name, image, { status: 'running', startedAt: nowIso() });
    try {
      const result = await work();
      this.throwIfCancelled();
      await this.setStep(name, image, { status: 'success', finishedAt: nowIso() });
      this.log.line(`==> ${name}${image ? ` ${image}` : ''} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return result;
    } catch (err) {
      await this.setStep(name, image, { status: stepStatusFor(this.codeOf(err)), finishedAt: nowIso() });
      throw err;
    }
  }

  /** Adds the per-image steps once the config says which images there are. */
  async planImages(images: string[]): Promise<void> {
    const planned = images.flatMap((image) =>
      (['build', 'test', 'push'] as const).map((name): BuildStep => ({ name, image, status: 'pending', startedAt: null, finishedAt: null })),
    );
    await this.save({ steps: [...this.build.steps, ...planned] });
  }

  async report(update: BuildReport): Promise<void> {
    const problem = await this.deps.reporter.report(this.build, update);
    if (!problem) return;
    if (this.logClosed) this.deps.warn(`build ${this.build.id}: ${problem}`);
    else this.log.line(`[drydock] ${problem}`);
  }

  async save(patch: BuildPatch): Promise<void> {
    this.build = await this.deps.store.update(this.build.id, patch);
  }

  codeOf(err: unknown): ErrorCode {
    return this.signal.aborted ? 'cancelled' : errorCodeOf(err);
  }

  throwIfCancelled(): void {
    if (this.signal.aborted) throw new DrydockError('cancelled', 'Cancelled');
  }

  /** Marks steps that never ran as skipped (or cancelled). */
  async closeOpenSteps(code: ErrorCode | null): Promise<void> {
    const open: StepStatus = code === 'cancelled' ? 'cancelled' : 'skipped';
    const steps = this.build.steps.map((s) =>
      s.status === 'pending' || s.status === 'running' ? { ...s, status: s.status === 'running' ? stepStatusFor(code ?? 'infrastructure') : open } : s,
    );
    await this.save({ steps });
  }

  async cleanup(): Promise<void> {
    await this.deps.docker.removeBuildResources(this.build.id).catch((err) => this.log.line(`[drydock] cleanup: ${messageOf(err)}`));
    await rm(this.workDir, { recursive: true, force: true }).catch(() => undefined);
    this.logClosed = true;
    await this.log.close().catch((err) => this.deps.warn(`build ${this.build.id}: log not stored: ${messageOf(err)}`));
  }

  private async setStep(name: StepName, image: string | undefined, change: Partial<BuildStep>): Promise<void> {
    const steps = this.build.steps.map((s) => (s.name === name && s.image === image ? { ...s, ...change } : s));
    await this.save({ steps });
  }
}

export function stepStatusFor(code: ErrorCode): StepStatus {
  return code === 'cancelled' ? 'cancelled' : githubStateFor(code);
}

export const initialSteps = (): BuildStep[] =>
  (['clone', 'config'] as const).map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null }));
