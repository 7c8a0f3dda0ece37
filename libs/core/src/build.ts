/** The domain model of a build: plain data, no IO. */

export const BUILD_STATUSES = ['queued', 'running', 'success', 'failure', 'error', 'cancelled'] as const;
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
}

export interface BuildImage {
  name: string;
  tags: string[];
  digest: string | null;
}

/** What a trigger (webhook, API call, rebuild) asks for; becomes a Build once stored. */
export interface BuildRequest {
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
   * The code comes from a fork (a pull request from another repository): untrusted. It is built
   * and tested on a throwaway engine, gets no secrets and is never pushed. Default false.
   */
  fork?: boolean;
}

export interface Build extends Required<Omit<BuildRequest, 'rebuildOf' | 'fork'>> {
  id: number;
  /** See `BuildRequest.fork`; fixed when the build is stored. */
  fork: boolean;
  status: BuildStatus;
  steps: BuildStep[];
  images: BuildImage[];
  rebuildOf: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

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
