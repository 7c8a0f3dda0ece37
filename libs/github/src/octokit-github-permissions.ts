import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { splitOwnerName } from '@drydock/core';
import { repoPermissionOf, type GitHubPermissions, type RepoPermission } from './github-permissions.js';
import { refusalOf } from './octokit-github-client.js';

const PermissionsOctokit = Octokit.plugin(retry);

/** A webhook waits on this call: GitHub gives the whole delivery 10 s. */
const CALL_TIMEOUT_MS = 5_000;

/**
 * Repository permissions through octokit against `GITHUB_API_URL`, with `GITHUB_TOKEN`. A 404
 * (GitHub knows no such user) is `none`; every other failure rejects as a `GitHubRefusal`.
 */
export class OctokitGitHubPermissions implements GitHubPermissions {
  private readonly octokit: InstanceType<typeof PermissionsOctokit>;

  constructor(apiUrl: string, token: string | undefined) {
    this.octokit = new PermissionsOctokit({
      baseUrl: apiUrl,
      auth: token,
      userAgent: 'drydock',
      retry: { retries: 1, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  async permissionOf(repo: string, login: string): Promise<RepoPermission> {
    const { owner, name } = splitOwnerName(repo);
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        owner,
        repo: name,
        username: login,
        request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      });
      // `permission` folds maintain into write and triage into read; `role_name` keeps them apart.
      const role = repoPermissionOf((data as { role_name?: unknown }).role_name);
      return role !== 'none' ? role : repoPermissionOf(data.permission);
    } catch (err) {
      if ((err as { status?: unknown }).status === 404) return 'none';
      throw refusalOf(err);
    }
  }
}
