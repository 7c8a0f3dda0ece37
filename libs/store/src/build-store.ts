import type { Build, BuildEvent, BuildImage, BuildRequest, BuildStatus } from '@drydock/core';

/**
 * Build history. One implementation (Kysely) serves SQLite and PostgreSQL.
 * `createBuilds` is atomic: with a delivery id it records the delivery and its builds in
 * one transaction, and a delivery seen before returns the builds it made then with
 * `duplicate: true`. `transition` is a compare-and-set on status, so a cancel and a
 * worker finishing cannot both win. Reads return undefined for unknown ids. Build logs are
 * kept beside the builds by `KyselyLogArchive` (the logs lib's LogArchive port).
 *
 * Run ownership: each attempt at a build is a run with its own id. `claim` is the only way
 * into `running` from `queued` (a compare-and-set), and records the run, its worker, the
 * attempt count and a heartbeat. From then on every write of the run is fenced on its id
 * (`updateRun`, `transition` with `runId`): once another run (or the reconciler, with
 * `takeOver`) owns the build, they write nothing and answer undefined, and the run stops.
 * A write that puts a build back to `queued` drops its run, so a build waiting in the queue is
 * owned by no run. A cancel from the API (`transition` without `runId`) keeps the run: it may
 * still close its steps, but never sets the final status (that transition is from `running`).
 */
export interface BuildStore {
  createBuilds(requests: BuildRequest[], deliveryId?: string): Promise<{ builds: Build[]; duplicate: boolean }>;
  get(id: number): Promise<Build | undefined>;
  list(query: BuildListQuery): Promise<BuildPage>;
  /** How many builds match `filter` (as `list` filters). */
  count(filter: BuildFilter): Promise<number>;
  /**
   * Updates when the status is one of `from` (and, with `runId`, while that run owns the build);
   * returns the updated build or undefined.
   */
  transition(id: number, from: readonly BuildStatus[], patch: BuildPatch, runId?: string): Promise<Build | undefined>;
  /** Unfenced: for what no run does (tests, tools). Rejects `not_found`. */
  update(id: number, patch: BuildPatch): Promise<Build>;
  /**
   * Claims a `queued` build for a new run: `running`, with `patch`, the run's id and worker,
   * attempt + 1 and a heartbeat now. `not_queued` when the build is not queued (another run has
   * it, it was cancelled, or it finished). `repo_busy` when it stays queued because its
   * repository already has `repoConcurrency` builds running, or an older build of it is still
   * queued (one repository's builds start in the order they were created): ask again later.
   * Atomic across processes: claims of one repository's builds never overshoot the limit.
   */
  claim(id: number, run: RunOwner, patch: BuildPatch, repoConcurrency: number): Promise<BuildWithRun | ClaimRefusal>;
  /**
   * Takes a `running` build over from run `fromRunId` (null: a build that has no run) for
   * `run`, keeping the attempt count: the reconciler ends or re-queues a run whose worker is
   * gone this way, fencing that run out first. Undefined when `fromRunId` no longer owns it.
   */
  takeOver(id: number, fromRunId: string | null, run: RunOwner): Promise<BuildWithRun | undefined>;
  /**
   * Writes `patch` (may be empty) while run `runId` owns the build, and refreshes its
   * heartbeat; undefined, writing nothing, once it does not.
   */
  updateRun(id: number, runId: string, patch: BuildPatch): Promise<Build | undefined>;
  /** Builds stored but not finished, oldest first, with their runs: what the reconciler looks after. */
  listUnfinished(): Promise<BuildWithRun[]>;
  /**
   * The repository's builds that have not ended, `blocked` ones too, oldest first: what a new
   * push or pull request may join or supersede.
   */
  openBuildsOf(repo: string): Promise<Build[]>;
  /** How many `queued` builds (of any repository) were created before build `id`: its place in the queue. */
  queuedAhead(id: number): Promise<number>;
  /**
   * How `repo` (owner/name) is cloned, as its latest signed webhook (a push, tag or pull_request
   * build) told; manual builds and rebuilds never count. Undefined for a repository no webhook named.
   */
  knownRepository(repo: string): Promise<KnownRepository | undefined>;
  /**
   * What the repository's latest `.drydock.yml` said that the API needs before any clone
   * (`saveRepoSettings`, from the worker's config step); the defaults for a repository never built.
   */
  repoSettings(repo: string): Promise<RepoSettings>;
  saveRepoSettings(repo: string, settings: RepoSettings): Promise<void>;
  /**
   * Retention: deletes the stored logs of builds created before `cutoff` (ISO time) and the
   * webhook deliveries received before it; the builds themselves stay. Idempotent.
   */
  pruneBefore(cutoff: string): Promise<{ logs: number; deliveries: number }>;
  /** The clone URLs (distinct) of builds created at or after `since`, or not finished yet: the mirrors still in use. */
  cloneUrlsBuiltSince(since: string): Promise<string[]>;
  /**
   * How `repo` (owner/name) has been building (see `RepoSummary`): computed on every call from at
   * most SUMMARY_WINDOW builds per figure, nothing cached. Undefined for a repository with no
   * build stored. Read-only.
   */
  repoSummary(repo: string): Promise<RepoSummary | undefined>;
  /**
   * What waits and what runs, over every repository (see `QueueView`): each list oldest (lowest
   * id) first and cut to its first `limit` builds; the worker counts cover every running build,
   * however many the lists show. Read-only; a snapshot, not a transaction.
   */
  queueView(limit: number): Promise<QueueView>;
}

export const BUILD_STORE = Symbol('BuildStore');

/** How many of a repository's newest builds each figure of `RepoSummary` looks at. */
export const SUMMARY_WINDOW = 100;
/** How many branches and tags `RepoSummary.latestImages` names at most. */
export const LATEST_IMAGES_LIMIT = 20;

/** See `BuildStore.repoSummary`. "Newest" is the highest build id. */
export interface RepoSummary {
  repo: string;
  /** Every build of the repository, whatever its status. */
  builds: number;
  /**
   * success / (success + failure + error) over its newest SUMMARY_WINDOW builds that ended one of
   * those ways; cancelled builds never count. Null when none did.
   */
  successRate: number | null;
  /** The median of `finishedAt - startedAt` over its newest SUMMARY_WINDOW successful builds; null when none. */
  medianDurationMs: number | null;
  /**
   * Per branch (`refs/heads/X` -> `X`) and tag (`refs/tags/X` -> `X`), its newest successful build
   * that pushed images, newest first, at most LATEST_IMAGES_LIMIT. A pull request's own ref
   * (`refs/pull/N/head`) is neither and never named; a branch and a tag of the same name share
   * one entry (the newer build).
   */
  latestImages: BranchImages[];
}

export interface BranchImages {
  branch: string;
  buildId: number;
  images: BuildImage[];
}

/** See `BuildStore.queueView`. */
export interface QueueView {
  /** `blocked` (waiting for approval) and `queued` builds. */
  queued: Build[];
  running: Build[];
  /** Per run owner (`hostname/pid`, see `RunOwner`) of a running build, how many it runs, by owner name; running builds no run owns are not counted. */
  workers: WorkerLoad[];
}

export interface WorkerLoad {
  owner: string;
  running: number;
}

/** See `BuildStore.repoSettings`. */
export interface RepoSettings {
  /** A new push to a branch or pull request cancels its older builds (`.drydock.yml` `supersede`, default true). */
  supersede: boolean;
}

export interface KnownRepository {
  cloneUrl: string;
  defaultBranch: string | null;
}

/** Why `claim` took nothing (see there). */
export type ClaimRefusal = 'not_queued' | 'repo_busy';

/** Who runs an attempt: a fresh uuid per run, and the worker as `hostname/pid`. */
export interface RunOwner {
  runId: string;
  owner: string;
}

/** A build's run as stored: the owning run (null while queued, or for a build from before runs), its worker and heartbeat, and how many runs it had. */
export interface BuildRunState {
  runId: string | null;
  owner: string | null;
  attempt: number;
  heartbeatAt: string | null;
}

export type BuildWithRun = Build & { run: BuildRunState };

export type BuildPatch = Partial<
  Pick<Build, 'status' | 'sha' | 'steps' | 'images' | 'keptImages' | 'startedAt' | 'finishedAt' | 'error' | 'ref' | 'pullRequest' | 'approvedBy' | 'title' | 'author'>
>;

/** Which builds `list` and `count` take; every field given must match. */
export interface BuildFilter {
  repo?: string;
  branch?: string;
  status?: BuildStatus;
  /** Any of these statuses. */
  statuses?: readonly BuildStatus[];
  event?: BuildEvent;
  /** A full sha, or a prefix of at least 7 hex digits. */
  sha?: string;
}

export interface BuildListQuery extends BuildFilter {
  limit: number;
  /** Opaque; from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface BuildPage {
  items: Build[];
  nextCursor: string | null;
}
