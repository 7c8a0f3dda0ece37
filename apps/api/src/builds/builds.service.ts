import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { DrydockError, isFinal, messageOf, nowIso, type Build, type BuildFacts, type BuildRequest, type BuildStatus } from '@drydock/core';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { GIT_CLIENT, type GitClient } from '@drydock/git';
import { BUILD_REPORTER, REPO_CREDENTIALS, type BuildReporter, type RepoCredentials } from '@drydock/github';
import { BuildQueue } from '@drydock/queue';
import { BUILD_STORE, type BuildListQuery, type BuildPage, type BuildStore } from '@drydock/store';
import { AllowedRepos, manualBuildRequest, repoOfTrigger, type TriggerBody } from './build-request.js';
import { shareableBuild, supersededBy } from './build-sharing.js';
import { KeyedLock } from './keyed-lock.js';

/** A new build of the same commit shows what the original showed, triggered from the API. */
const sameCommitFacts = (original: Build): Partial<BuildFacts> => ({
  title: original.title,
  author: original.author,
  commitUrl: original.commitUrl,
  compareUrl: original.compareUrl,
  pullRequestUrl: original.pullRequestUrl,
  triggeredBy: API_TRIGGER,
});

/** `triggeredBy` of what the API starts (manual builds, rebuilds, retries) and `approvedBy` of what it approves. */
export const API_TRIGGER = 'api';

/** What `retry` resumes: a build that ended without success. */
const RETRYABLE: readonly BuildStatus[] = ['failure', 'error', 'cancelled'];

/** How long the API waits for git to show that a given sha is on its ref. */
const RESOLVE_TIMEOUT_MS = 120_000;
/** How long a request waits for Redis to take a stored build's job (GitHub gives a webhook 10 s in all). */
const ENQUEUE_TIMEOUT_MS = 2000;

/** What a `blocked` build reports while it waits for a maintainer. */
export const WAITING_FOR_APPROVAL = 'waiting for approval';

/**
 * Creating, rebuilding, approving and cancelling builds. A build is stored before it is queued
 * (the workers' reconciler queues stored builds that never reached the queue), and its "pending" is
 * stored for GitHub before it is queued, so it comes before anything a worker reports (the
 * report outbox sends both, in order; no request waits on GitHub).
 * One commit, one build: a request for a commit an open build is already building joins that
 * build (see build-sharing.ts). A new push to a feature branch or pull request cancels its older
 * builds ("superseded by <sha7>") unless the repository's `.drydock.yml` said `supersede: false`.
 */
@Injectable()
export class BuildsService {
  private readonly logger = new Logger(BuildsService.name);
  private readonly allowedRepos: AllowedRepos;
  /** Sharing and superseding decide on a repository's open builds: one request of a repository at a time (in this API process). */
  private readonly repoLock = new KeyedLock();

  constructor(
    @Inject(BUILD_STORE) private readonly store: BuildStore,
    @Inject(BUILD_REPORTER) private readonly reporter: BuildReporter,
    private readonly queue: BuildQueue,
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
    @Inject(GIT_CLIENT) private readonly git: GitClient,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'allowedRepos' | 'github'>,
    /** The token git sends to the GitHub host (App mode: the installation's); absent: GITHUB_TOKEN. */
    @Optional() @Inject(REPO_CREDENTIALS) private readonly credentials?: RepoCredentials,
  ) {
    this.allowedRepos = new AllowedRepos(config.allowedRepos);
  }

  /**
   * Stores and queues builds (a `blocked` one waits for `approve`); a request an open build of
   * the same commit covers joins it instead; a delivery seen before returns its earlier builds
   * and queues nothing.
   */
  async create(requests: BuildRequest[], deliveryId?: string): Promise<{ builds: Build[]; duplicate: boolean }> {
    const repos = [...new Set(requests.map((r) => r.repo))];
    return this.repoLock.run(repos, async () => {
      const joined: Build[] = [];
      const fresh: BuildRequest[] = [];
      for (const request of requests) {
        const shared = await this.joinOpenBuild(request).catch((err: unknown) => {
          throw notStored(err);
        });
        if (!shared) fresh.push(request);
        else {
          joined.push(shared);
          await this.supersedeOlder(shared);
        }
      }
      if (fresh.length === 0) return { builds: joined, duplicate: false };
      const { builds, duplicate } = await this.storeBuilds(fresh, deliveryId);
      if (duplicate) return { builds, duplicate };
      for (const build of builds) {
        // stored: whatever happens now, the answer is that it was
        this.announceCreated(build);
        await this.supersedeOlder(build).catch((err) => this.logger.warn(`build ${build.id}: older builds not superseded: ${messageOf(err)}`));
        if (build.status === 'blocked') {
          await this.reportQuietly(build, 'pending', WAITING_FOR_APPROVAL);
          continue;
        }
        await this.reportQuietly(build, 'pending', await this.queuedDescription(build.id));
        await this.enqueueQuietly(build.id);
      }
      return { builds: [...joined, ...builds], duplicate };
    });
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
    if (request.sha !== null) request.sha = await this.commitOnRef(request.repo, request.cloneUrl, request.ref, request.sha);
    const { builds } = await this.create([request]);
    return builds[0];
  }

  async get(id: number): Promise<Build> {
    const build = await this.store.get(id);
    if (!build) throw new DrydockError('not_found', `build ${id} not found`);
    return build;
  }

  /**
   * `blocked`: the new build waits for approval (a fork's code nobody approved, re-run from GitHub);
   * `triggeredBy`: who asked (a GitHub login), else `api`.
   */
  async rebuild(id: number, options: { blocked?: boolean; triggeredBy?: string } = {}): Promise<Build> {
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
      pullRequest: original.pullRequest,
      installationId: original.installationId,
      before: original.before,
      ...(options.blocked ? { blocked: true } : {}),
      ...sameCommitFacts(original),
      ...(options.triggeredBy ? { triggeredBy: options.triggeredBy } : {}),
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
    const { repo, cloneUrl, ref, sha, defaultBranch, fork, pullRequest, installationId, before } = failed;
    const facts = sameCommitFacts(failed);
    const { builds } = await this.create([{ repo, cloneUrl, ref, sha, defaultBranch, fork, pullRequest, installationId, before, ...facts, event: 'rebuild', rebuildOf: id, retryOf: id }]);
    return builds[0];
  }

  /** A queued or blocked build never starts; a running one is stopped by its worker, which removes its containers. */
  cancel(id: number): Promise<Build> {
    return this.stop(id, 'Cancelled');
  }

  /**
   * A `blocked` build (a fork's pull request) is queued, its head commit approved by `by`
   * (else `conflict`): a later push to the pull request is a new build that waits again.
   */
  async approve(id: number, by: string): Promise<Build> {
    const approved = await this.store.transition(id, ['blocked'], { status: 'queued', approvedBy: by });
    if (!approved) throw this.notBlocked(await this.get(id), 'approved');
    await this.events.publish({ type: 'build.changed', buildId: id, status: 'queued' });
    await this.reportQuietly(approved, 'pending', await this.queuedDescription(id));
    await this.enqueueQuietly(id);
    return approved;
  }

  /** A `blocked` build ends `cancelled` "declined" (else `conflict`); nothing of its code ran. */
  async decline(id: number): Promise<Build> {
    const build = await this.get(id);
    if (build.status !== 'blocked') throw this.notBlocked(build, 'declined');
    return this.stop(id, 'declined', ['blocked']);
  }

  /** The pull request's newest blocked build: what `/drydock approve` on it approves. */
  async blockedHeadOf(repo: string, pullRequest: number): Promise<Build | undefined> {
    return (await this.store.openBuildsOf(repo)).filter((b) => b.pullRequest === pullRequest && b.status === 'blocked').at(-1);
  }

  /**
   * A closed pull request: its builds that exist only for it (ref `refs/pull/N/head`) end
   * `cancelled` "pull request closed"; a build a branch push shares goes on.
   */
  async closePullRequest(repo: string, pullRequest: number): Promise<Build[]> {
    return this.repoLock.run([repo], async () => {
      const open = (await this.store.openBuildsOf(repo)).filter((b) => b.pullRequest === pullRequest && b.ref.startsWith('refs/pull/'));
      const stopped: Build[] = [];
      for (const build of open) stopped.push(await this.stop(build.id, 'pull request closed').catch(() => build));
      return stopped;
    });
  }

  /**
   * Ends a build that has not finished as `cancelled` with `reason`: one that never started is
   * withdrawn and reported here; a running one is stopped by its worker, which reports it.
   */
  private async stop(id: number, reason: string, from: BuildStatus[] = ['blocked', 'queued', 'running']): Promise<Build> {
    const build = await this.get(id);
    if (isFinal(build.status)) throw new DrydockError('conflict', `build ${id} has already finished (${build.status})`);
    if (!from.includes(build.status)) throw this.notBlocked(build, 'declined');
    const cancelled = await this.store.transition(id, [build.status], { status: 'cancelled', finishedAt: nowIso(), error: reason });
    if (!cancelled) return this.stop(id, reason, from); // it moved on meanwhile: answer for its new state
    // A worker may have taken the job since we read the build: it hears this and stops.
    if (build.status !== 'blocked') await this.queue.requestCancel(id);
    if (build.status !== 'running') {
      // No worker will finish or report a build it never started.
      if (build.status === 'queued') await this.queue.withdraw(id);
      await this.events.publish({ type: 'build.finished', buildId: id, status: 'cancelled' });
      await this.reportQuietly(cancelled, 'error', reason);
    }
    return cancelled;
  }

  private notBlocked(build: Build, verb: 'approved' | 'declined'): DrydockError {
    return new DrydockError('conflict', `build ${build.id} is ${build.status}: only a blocked build (a fork's pull request waiting for approval) can be ${verb}`);
  }

  /** Joins the open build that covers `request` (one commit, one build), if there is one. */
  private async joinOpenBuild(request: BuildRequest): Promise<Build | undefined> {
    const shared = shareableBuild(await this.store.openBuildsOf(request.repo), request);
    if (!shared) return undefined;
    const joined = shared.patch ? await this.store.update(shared.build.id, shared.patch) : shared.build;
    this.logger.log(`build ${joined.id}: shared by a ${request.event} of ${request.ref} (${request.sha})`);
    return joined;
  }

  /** Cancels the older builds `build` supersedes, unless the repository said `supersede: false`. */
  private async supersedeOlder(build: Build): Promise<void> {
    const older = supersededBy(await this.store.openBuildsOf(build.repo), build);
    if (older.length === 0 || !(await this.store.repoSettings(build.repo)).supersede) return;
    for (const superseded of older) {
      await this.stop(superseded.id, `superseded by ${(build.sha ?? "").slice(0, 7)}`).catch((err) => this.logger.warn(`build ${superseded.id}: not superseded: ${messageOf(err)}`));
    }
  }

  /** "queued, 3 ahead": the build's place in the queue when it was queued. */
  private async queuedDescription(id: number): Promise<string> {
    const ahead = await this.store.queuedAhead(id).catch(() => null);
    return ahead === null ? 'Queued' : ahead === 0 ? 'queued, next' : `queued, ${ahead} ahead`;
  }

  /** The full sha of `sha`, once git has shown it is reachable from `ref`. */
  private async commitOnRef(repo: string, cloneUrl: string, ref: string, sha: string): Promise<string> {
    const signal = AbortSignal.timeout(RESOLVE_TIMEOUT_MS);
    try {
      const token = this.credentials ? await this.credentials.tokenFor({ repo, installationId: null }) : this.config.github.token;
      return (await this.git.resolveCommit({ cloneUrl, ref, sha, token, signal })).sha;
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new DrydockError('timeout', `git did not show within ${RESOLVE_TIMEOUT_MS / 1000} s whether ${sha} is on ${ref}`, { cause: err });
    }
  }

  /** Tells the build-events channel (the dashboard's live list) about a new build; Redis down is logged, never thrown. */
  /**
   * Tells live readers (the dashboard) a build exists, without waiting: with Redis down the message
   * would sit in ioredis' offline queue and hold the webhook's answer past GitHub's timeout.
   */
  private announceCreated(build: Build): void {
    this.events.publish({ type: 'build.created', buildId: build.id, status: build.status }).catch((err) => this.logger.warn(`build ${build.id}: build.created not published: ${messageOf(err)}`));
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
      throw notStored(err);
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

/** A database failure before a build was stored, as the caller should see it: `infrastructure` (503), send it again. */
function notStored(err: unknown): DrydockError {
  if (err instanceof DrydockError) return err;
  return new DrydockError('infrastructure', `build not stored, the database is unavailable (${messageOf(err)}); nothing was queued: send the request again (GitHub: Redeliver) once it is back`, {
    cause: err,
  });
}
