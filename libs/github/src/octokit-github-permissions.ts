import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { splitOwnerName } from '@drydock/core';
import type { GitHubAppAuth } from './github-app.js';
import { repoPermissionOf, type GitHubPermissions, type RepoPermission } from './github-permissions.js';
import { refusalOf } from './octokit-github-client.js';

const PermissionsOctokit = Octokit.plugin(retry);

/** A webhook waits on this call: GitHub gives the whole delivery 10 s. */
const CALL_TIMEOUT_MS = 5_000;

/**
 * Repository permissions through octokit against `GITHUB_API_URL`: asked with the installation's
 * token when there is an App and the question names its installation, else with `GITHUB_TOKEN`.
 * A 404 (GitHub knows no such user) is `none`; every other failure rejects as a `GitHubRefusal`.
 */
export class OctokitGitHubPermissions implements GitHubPermissions {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string | undefined,
    private readonly app: GitHubAppAuth | null = null,
  ) {}

  async permissionOf(repo: string, login: string, installationId: number | null): Promise<RepoPermission> {
    const { owner, name } = splitOwnerName(repo);
    try {
      const token = this.app && installationId !== null ? await this.app.installationToken(installationId) : this.token;
      const { data } = await this.octokitWith(token).rest.repos.getCollaboratorPermissionLevel({
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

  private octokitWith(token: string | undefined): InstanceType<typeof PermissionsOctokit> {
    return new PermissionsOctokit({
      baseUrl: this.apiUrl,
      auth: token,
      userAgent: 'drydock',
      retry: { retries: 1, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }
}
