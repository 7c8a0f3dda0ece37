import { DrydockError, isOwnerName, messageOf } from '@drydock/core';
import type { GitHubAppAuth } from './github-app.js';

/**
 * The token a build's git commands may send to the GitHub host (the git adapter sends it there
 * only) to clone its repository. `tokenFor` resolves with undefined when there is none (a
 * public repository needs none); it rejects with an `unavailable` DrydockError, naming the
 * repository and never a token, when the token it needs cannot be had.
 */
export interface RepoCredentials {
  tokenFor(build: { repo: string; installationId: number | null }): Promise<string | undefined>;
}

export const REPO_CREDENTIALS = Symbol('RepoCredentials');

/**
 * App mode (`app`): the installation token of the build's installation (from its webhook), else
 * of the installation on its repository; a repository the App is not installed on gets
 * `GITHUB_TOKEN` (`token`), if any. Without an App: `GITHUB_TOKEN`.
 */
export class GitHubRepoCredentials implements RepoCredentials {
  constructor(
    private readonly token: string | undefined,
    private readonly app: GitHubAppAuth | null,
  ) {}

  async tokenFor(build: { repo: string; installationId: number | null }): Promise<string | undefined> {
    if (!this.app || !isOwnerName(build.repo)) return this.token;
    try {
      const installationId = build.installationId ?? (await this.app.installationOf(build.repo));
      return installationId === undefined ? this.token : await this.app.installationToken(installationId);
    } catch (err) {
      throw new DrydockError('unavailable', `could not get the GitHub App's installation token for ${build.repo}: ${messageOf(err)}`, { cause: err });
    }
  }
}
