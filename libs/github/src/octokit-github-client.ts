import { Octokit } from '@octokit/rest';
import { splitOwnerName } from '@drydock/core';
import type { CommitStatus, GitHubClient } from './github-client.js';

const REQUEST_TIMEOUT_MS = 10_000;

/** Commit statuses through octokit against `GITHUB_API_URL` (github.com or Enterprise, or a test stand-in). */
export class OctokitGitHubClient implements GitHubClient {
  private readonly octokit: Octokit;

  constructor(apiUrl: string, token: string | undefined) {
    this.octokit = new Octokit({
      baseUrl: apiUrl,
      auth: token,
      userAgent: 'drydock',
      request: { retries: 0 },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  async setCommitStatus(repo: string, sha: string, status: CommitStatus): Promise<void> {
    const { owner, name } = splitOwnerName(repo);
    await this.octokit.rest.repos.createCommitStatus({
      owner,
      repo: name,
      sha,
      state: status.state,
      context: status.context,
      // GitHub rejects descriptions over 140 characters.
      description: status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description,
      target_url: status.targetUrl,
      request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    });
  }
}
