import type { CommitState } from '@drydock/core';

/**
 * What Drydock tells GitHub about a commit. Rejects with a `GitHubRefusal` when GitHub refuses
 * or does not answer; callers (the outbox delivery) decide whether and when to try again.
 */
export interface GitHubClient {
  setCommitStatus(repo: string, sha: string, status: CommitStatus): Promise<void>;
}

export const GITHUB_CLIENT = Symbol('GitHubClient');

export type { CommitState };

export interface CommitStatus {
  state: CommitState;
  context: string;
  description: string;
  targetUrl: string;
}

/**
 * - `unavailable`: no answer, a 5xx, or a 403/429 without rate-limit headers: try again later
 * - `rate_limited`: GitHub said when to come back (`retryAt`, epoch ms) or that the token's limit is spent
 * - `rejected`: any other 4xx (a bad token, an unknown repository or sha, an invalid body)
 */
export type GitHubRefusalCode = 'unavailable' | 'rate_limited' | 'rejected';

/** Why GitHub did not take a request, after the client's own retries. */
export class GitHubRefusal extends Error {
  constructor(
    readonly code: GitHubRefusalCode,
    message: string,
    /** The HTTP status, when GitHub answered. */
    readonly status?: number,
    /** Epoch ms from `retry-after` or `x-ratelimit-reset`; only for `rate_limited`. */
    readonly retryAt?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitHubRefusal';
  }
}
