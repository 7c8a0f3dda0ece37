import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { DrydockError, isFinal, messageOf, nowIso, type Build, type BuildRequest, type BuildStatus } from '@drydock/core';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { GIT_CLIENT, type GitClient } from '@drydock/git';
import { BUILD_REPORTER, type BuildReporter } from '@drydock/github';
import { BuildQueue } from '@drydock/queue';
import { BUILD_STORE, type BuildListQuery, type BuildPage, type BuildStore } from '@drydock/store';
import { AllowedRepos, manualBuildRequest, repoOfTrigger, type TriggerBody } from './build-request.js';

/** What `retry` resumes: a build that ended without success. */
const RETRYABLE: readonly BuildStatus[] = ['failure', 'error', 'cancelled'];

/** How long the API waits for git to show that a given sha is on its ref. */
const RESOLVE_TIMEOUT_MS = 120_000;
/** How long a request waits for Redis to take a stored build's job (GitHub gives a webhook 10 s in all). */
const ENQUEUE_TIMEOUT_MS = 2000;

/**
 * Creating, rebuilding and cancelling builds. A build is stored before it is queued
 * (the workers' reconciler queues stored builds that never reached the queue), and its "pending" is
 * stored for GitHub before it is queued, so it comes before anything a worker reports (the
 * report outbox sends both, in order; no request waits on GitHub).
 */
@Injectable()
export class BuildsService {
  private readonly logger = new Logger(BuildsService.name);
  private readonly allowedRepos: AllowedRepos;

  constructor(
    @Inject(BUILD_STORE) private readonly store: BuildStore,
    @Inject(BUILD_REPORTER) private readonly reporter: BuildReporter,
    private readonly queue: BuildQueue,
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
    @Inject(GIT_CLIENT) private readonly git: GitClient,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'allowedRepos' | 'github'>,
  ) {
    this.allowedRepos = new AllowedRepos(config.allowedRepos);
  }

  /** Stores and queues builds; a delivery seen before returns its earlier builds and queues nothing. */
  async create(requests: BuildRequest[], deliveryId?: string): Promise<{ builds: Build[]; duplicate: boolean }> {
    const { builds, duplicate } = await this.storeBuilds(requests, deliveryId);
    if (duplicate) return { builds, duplicate };
    for (const build of builds) {
      await this.reportQuietly(build, 'pending', 'Queued');
      await this.enqueueQuietly(build.id);
    }
    return { builds, duplicate };
  }

  list(query: BuildListQuery): Promise<BuildPage> {
    return this.store.list(query);
  }

  /**
   * A manual build of a repository known from signed webhooks (or allowed by
   * DRYDOCK_ALLOWED_REPOS); a given sha must be reachable from the ref (`unprocessable`).
   */
  async trigger(body: TriggerBody): Promise<Build> {
    const request = manualBuildRequest(body, await this.store.knownRepository(repoOfTrigger(body)), this.allowedRepos);
    if (request.sha !== null) request.sha = await this.commitOnRef(request.cloneUrl, request.ref, request.sha);
    const { builds } = await this.create([request]);
    return builds[0];
  }

  async get(id: number): Promise<Build> {
    const build = await this.store.get(id);
    if (!build) throw new DrydockError('not_found', `build ${id} not found`);
    return build;
  }

  async rebuild(id: number): Promise<Build> {
    const original = await this.get(id);
    const request: BuildRequest = {
      repo: original.repo,
      cloneUrl: original.cloneUrl,
      ref: original.ref,
      sha: original.sha,
      event: 'rebuild',
      defaultBranch: original.defaultBranch,
      rebuildOf: original.id,
      fork: original.fork, // a fork's code stays untrusted when rebuilt: throwaway engine, never pushed
    };
    const { builds } = await this.create([request]);
    return builds[0];
  }

  /**
   * A new build of the same repository, ref and commit that resumes a build which ended
   * `failure`, `error` or `cancelled` (else `conflict`): linked by `retryOf` (and `rebuildOf`), it
   * reuses the images that build kept and starts at the step that failed (the pipeline's
   * retry-images.ts). A fork's code stays a fork's.
   */
  async retry(id: number): Promise<Build> {
    const failed = await this.get(id);
    if (!RETRYABLE.includes(failed.status)) {
      throw new DrydockError('conflict', `build ${id} is ${failed.status}: only a build that ended failure, error or cancelled can be retried (rebuild builds a commit again)`);
    }
    const { repo, cloneUrl, ref, sha, defaultBranch, fork } = failed;
    const { builds } = await this.create([{ repo, cloneUrl, ref, sha, defaultBranch, fork, event: 'rebuild', rebuildOf: id, retryOf: id }]);
    return builds[0];
  }

  /** A queued build never starts; a running one is stopped by its worker, which removes its containers. */
  async cancel(id: number): Promise<Build> {
    const build = await this.get(id);
    if (isFinal(build.status)) throw new DrydockError('conflict', `build ${id} has already finished (${build.status})`);
    const cancelled = await this.store.transition(id, ['queued', 'running'], { status: 'cancelled', finishedAt: nowIso(), error: 'Cancelled' });
    if (!cancelled) return this.cancel(id); // it moved on meanwhile: answer for its new state
    // A worker may have taken the job since we read the build: it hears this and stops.
    await this.queue.requestCancel(id);
    if (build.status === 'queued') {
      // No worker will finish or report a build it never started.
      await this.queue.withdraw(id);
      await this.events.publish({ type: 'build.finished', buildId: id, status: 'cancelled' });
      await this.reportQuietly(cancelled, 'error', 'Cancelled');
    }
    return cancelled;
  }

  /** The full sha of `sha`, once git has shown it is reachable from `ref`. */
  private async commitOnRef(cloneUrl: string, ref: string, sha: string): Promise<string> {
    const signal = AbortSignal.timeout(RESOLVE_TIMEOUT_MS);
    try {
      return (await this.git.resolveCommit({ cloneUrl, ref, sha, token: this.config.github.token, signal })).sha;
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new DrydockError('timeout', `git did not show within ${RESOLVE_TIMEOUT_MS / 1000} s whether ${sha} is on ${ref}`, { cause: err });
    }
  }

  /** Stores the update for GitHub (the outbox sends it); a problem storing it is logged, never thrown. */
  private async reportQuietly(build: Build, state: 'pending' | 'error', description: string): Promise<void> {
    const problem = await this.reporter.report(build, { state, description });
    if (problem) this.logger.warn(`build ${build.id}: ${problem}`);
  }

  /**
   * The store's answer, or `infrastructure` (503) saying the build was not stored: the
   * caller (GitHub: "Redeliver") may send the same request again, and nothing was queued.
   */
  private async storeBuilds(requests: BuildRequest[], deliveryId?: string): Promise<{ builds: Build[]; duplicate: boolean }> {
    try {
      return await this.store.createBuilds(requests, deliveryId);
    } catch (err) {
      if (err instanceof DrydockError) throw err;
      throw new DrydockError('infrastructure', `build not stored, the database is unavailable (${messageOf(err)}); nothing was queued: send the request again (GitHub: Redeliver) once it is back`, {
        cause: err,
      });
    }
  }

  /**
   * Queues a stored build, waiting at most ENQUEUE_TIMEOUT_MS. Redis down or slow is logged,
   * never thrown: the build is on disk, so the request still succeeds, and the job reaches
   * Redis either when ioredis replays its offline queue or when the reconciler gives a stored
   * build without a job a new one. A second job of a build finds it claimed and does nothing.
   */
  private async enqueueQuietly(buildId: number): Promise<void> {
    const enqueued = this.queue.enqueue(buildId);
    enqueued.catch(() => undefined); // it may still fail after the timeout: nothing more to do about it
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis took no job in ${ENQUEUE_TIMEOUT_MS / 1000} s`)), ENQUEUE_TIMEOUT_MS);
    });
    try {
      await Promise.race([enqueued, timeout]);
    } catch (err) {
      this.logger.warn(`build ${buildId}: stored but not queued yet (${messageOf(err)}); it is queued once Redis is back`);
    } finally {
      clearTimeout(timer);
    }
  }
}
