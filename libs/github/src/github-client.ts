import type { CommitState } from '@drydock/core';

/**
 * What Drydock tells GitHub about a commit. Rejects with the HTTP status and GitHub's
 * message when GitHub refuses; callers decide whether a reporting failure matters.
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
