/** The domain model of a build: plain data, no IO. */

/** `blocked`: a fork's pull request build waiting for a maintainer's approval; nothing of it runs until then. */
export const BUILD_STATUSES = ['blocked', 'queued', 'running', 'success', 'failure', 'error', 'cancelled'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

export const FINAL_STATUSES: readonly BuildStatus[] = ['success', 'failure', 'error', 'cancelled'];
export const isFinal = (status: BuildStatus): boolean => FINAL_STATUSES.includes(status);

export const BUILD_EVENTS = ['push', 'tag', 'pull_request', 'manual', 'rebuild'] as const;
export type BuildEvent = (typeof BUILD_EVENTS)[number];

export const STEP_NAMES = ['clone', 'config', 'build', 'test', 'push'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepStatus = 'pending' | 'running' | 'success' | 'failure' | 'error' | 'skipped' | 'cancelled';

export interface BuildStep {
  name: StepName;
  /** The image the step works on; absent for clone and config. */
  image?: string;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  /** A build step's layer cache reuse, as BuildKit reported it; absent when unknown. */
  cache?: StepCache;
}

/** Of a build step's Dockerfile instructions (`steps`), how many BuildKit took from its cache. */
export interface StepCache {
  cached: number;
  steps: number;
}

export interface BuildImage {
  name: string;
  tags: string[];
  digest: string | null;
}

/**
 * An image a build made (or reused) and did not end with: when the build ends without success,
 * the worker pushes each image whose build step succeeded to a private place in the registry
 * (`<registry>/drydock-retry/<owner>/<name>/<image>:build-<id>`, only the worker's login reads it),
 * so a retry of the build (`retryOf`) pulls it by digest instead of building it again. No
 * engine keeps it meanwhile.
 */
export interface KeptImage {
  /** The image as the build's steps name it (`BuildStep.image`). */
  image: string;
  /** Where it is kept: `repository:tag`. */
  reference: string;
  /** The manifest digest it was kept under; a retry pulls exactly this. */
  digest: string;
  /** The build that built it: this one, or the earlier one a retry reused it from. */
  builtBy: number;
  /** Its tests passed (in this build, or in the one it was reused from). */
  tested: boolean;
}

/** Who wrote a commit, as far as the trigger or the checkout knows. */
export interface CommitAuthor {
  name: string;
  /** The GitHub login; null when unknown (a checkout only knows the name). */
  login: string | null;
  /** An https URL of their avatar on the GitHub host; null when unknown. */
  avatarUrl: string | null;
}

/**
 * What a build shows people besides what it builds: the head commit's title (its message's
 * first line) and author, links to it on GitHub (https, on the repository's web host, checked
 * against the repository's name before they are stored), and who or what triggered it (a GitHub
 * login, or `api`). Null when unknown; the worker fills `title` and `author` from the checkout
 * when the trigger did not give them.
 */
export interface BuildFacts {
  title: string | null;
  author: CommitAuthor | null;
  commitUrl: string | null;
  compareUrl: string | null;
  pullRequestUrl: string | null;
  triggeredBy: string | null;
}

/** A build that knows none of its facts. */
export const NO_BUILD_FACTS: BuildFacts = { title: null, author: null, commitUrl: null, compareUrl: null, pullRequestUrl: null, triggeredBy: null };

/** What a trigger (webhook, API call, rebuild) asks for; becomes a Build once stored. */
export interface BuildRequest extends Partial<BuildFacts> {
  /** `owner/name` */
  repo: string;
  cloneUrl: string;
  /** Full ref (`refs/heads/main`, `refs/tags/v1.2.3`) or a plain branch name for manual builds. */
  ref: string;
  /** Commit to build; null means "resolve the ref when cloning". */
  sha: string | null;
  event: BuildEvent;
  defaultBranch: string | null;
  rebuildOf?: number | null;
  /**
   * A retry of that failed build: same repository, ref and commit, reusing the images it kept
   * (`keptImages`) and starting at the step that failed.
   */
  retryOf?: number | null;
  /**
   * The code comes from a fork (a pull request from another repository): untrusted. It is built
   * and tested on a throwaway engine, gets no secrets and is never pushed. Default false.
   */
  fork?: boolean;
  /** The pull request the build is for (its number), also when a push of the same commit shares the build. */
  pullRequest?: number | null;
  /** The GitHub App installation the webhook came from (App mode): its token clones and reports. */
  installationId?: number | null;
  /**
   * The commit the change is compared against for `.drydock.yml` `paths`: a push's `before`, a
   * pull request's base. Null: compare against nothing (every image is built).
   */
  before?: string | null;
  /** Stored `blocked` (a fork's pull request waiting for a maintainer) instead of `queued`. */
  blocked?: boolean;
}

export interface Build extends Required<Omit<BuildRequest, 'rebuildOf' | 'retryOf' | 'fork' | 'pullRequest' | 'installationId' | 'before' | 'blocked'>> {
  id: number;
  /** See `BuildRequest.fork`; fixed when the build is stored. */
  fork: boolean;
  /** See `BuildRequest.pullRequest`. */
  pullRequest: number | null;
  /** See `BuildRequest.installationId`. */
  installationId: number | null;
  /** See `BuildRequest.before`. */
  before: string | null;
  /** Who let a `blocked` build run (a GitHub login, or `api`); null for a build that never waited. */
  approvedBy: string | null;
  status: BuildStatus;
  steps: BuildStep[];
  images: BuildImage[];
  rebuildOf: number | null;
  /** See `BuildRequest.retryOf`. */
  retryOf: number | null;
  /** Images kept for a retry (see `KeptImage`); empty unless the build ended without success after building some. */
  keptImages: KeptImage[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

/**
 * The name a build's image has on an engine until it is pushed: `drydock/b<buildId>-<nonce>:<index>`.
 * The nonce (new for every run) makes it unguessable, so no other build can `FROM` it; the build
 * id lets `removeBuildResources` find it, whether the build made the image or pulled it.
 */
export const localImageName = (buildId: number, nonce: string, index: number): string => `drydock/b${buildId}-${nonce}:${index}`;

/** Matches every `localImageName` of the build, as docker's `reference=` filter reads it. */
export const localImagePattern = (buildId: number): string => `drydock/b${buildId}-*`;

/** `refs/heads/feature/x` -> `feature/x`; null for tags and other refs. */
export function branchOf(ref: string): string | null {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/')) return null;
  return ref;
}

/** `refs/tags/v1.2.3` -> `v1.2.3`; null otherwise. */
export function tagOf(ref: string): string | null {
  return ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null;
}

export const nowIso = (): string => new Date().toISOString();
