/**
 * What GitHub says a user may do on a repository: `GET /repos/{owner}/{repo}/collaborators/{username}/permission`.
 * `permissionOf` resolves with the user's permission (`none` for a user GitHub does not know, or one
 * who has no access); it rejects with a `GitHubRefusal` when GitHub refuses or does not answer, and
 * the caller lets nobody through then. `installationId`: the GitHub App installation the question
 * comes from (App mode), null otherwise.
 */
export interface GitHubPermissions {
  permissionOf(repo: string, login: string, installationId: number | null): Promise<RepoPermission>;
}

export const GITHUB_PERMISSIONS = Symbol('GitHubPermissions');

/** GitHub's permission levels, highest first (`maintain` and `triage` are roles GitHub may name besides them). */
export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

const LEVELS: readonly RepoPermission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];

/** GitHub's answer as a `RepoPermission`; anything it might add later counts as `none`. */
export const repoPermissionOf = (value: unknown): RepoPermission => (LEVELS.includes(value as RepoPermission) ? (value as RepoPermission) : 'none');

/** Who may let a fork's pull request build run: someone who could push to the repository themselves. */
export const mayApprove = (permission: RepoPermission): boolean => permission === 'admin' || permission === 'maintain' || permission === 'write';
