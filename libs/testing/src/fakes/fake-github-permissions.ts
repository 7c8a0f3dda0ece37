import { GitHubRefusal, type GitHubPermissions, type RepoPermission } from '@drydock/github';

/**
 * GitHubPermissions from a table: `grant(repo, login, permission)`; everyone else has `none`.
 * While `refuseWith` is set it rejects as GitHub being down would. Records every question.
 */
export class FakeGitHubPermissions implements GitHubPermissions {
  readonly asked: string[] = [];
  refuseWith: string | null = null;
  private readonly table = new Map<string, RepoPermission>();

  grant(repo: string, login: string, permission: RepoPermission): this {
    this.table.set(`${repo} ${login}`, permission);
    return this;
  }

  async permissionOf(repo: string, login: string): Promise<RepoPermission> {
    this.asked.push(`${repo} ${login}`);
    if (this.refuseWith !== null) throw new GitHubRefusal('unavailable', this.refuseWith);
    return this.table.get(`${repo} ${login}`) ?? 'none';
  }
}
