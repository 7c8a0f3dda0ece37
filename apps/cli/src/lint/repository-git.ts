import { simpleGit } from 'simple-git';
import { ownerNameOfUrl } from '@drydock/core';

/** What `drydock lint` asks of the git repository a directory is in; every field null when it is in none. */
export interface RepositoryGit {
  /** The branch checked out; null when HEAD is detached or there is no repository. */
  branch: string | null;
  /** HEAD's commit; null before the first commit. */
  sha: string | null;
  /** The remote's default branch as the clone knows it (`origin/HEAD`). */
  defaultBranch: string | null;
  /** `owner/name` of the `origin` remote (an http(s) or `git@host:owner/name` URL). */
  repo: string | null;
}

const NONE: RepositoryGit = { branch: null, sha: null, defaultBranch: null, repo: null };

/**
 * Reads the repository `dir` is in, with plain `git` plumbing (argument arrays, no hooks, no
 * `status`, so no fsmonitor or other command a repository's config could name runs).
 */
export async function readRepositoryGit(dir: string): Promise<RepositoryGit> {
  const git = simpleGit({ baseDir: dir });
  const ask = (args: string[]): Promise<string | null> => git.raw(args).then((out) => out.trim() || null, () => null);
  if ((await ask(['rev-parse', '--is-inside-work-tree'])) !== 'true') return NONE;
  const [branch, sha, originHead, originUrl] = await Promise.all([
    ask(['symbolic-ref', '--quiet', '--short', 'HEAD']),
    ask(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']),
    ask(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']),
    ask(['config', '--get', 'remote.origin.url']),
  ]);
  return { branch, sha, defaultBranch: originHead?.replace(/^origin\//, '') ?? null, repo: originUrl ? repoOfRemote(originUrl) : null };
}

/** `https://github.com/acme/app.git` or `git@github.com:acme/app.git` -> `acme/app`; null for anything else. */
export function repoOfRemote(url: string): string | null {
  const scp = /^[\w.-]+@[\w.-]+:([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(url);
  if (scp) return scp[1]!;
  try {
    return ownerNameOfUrl(url.replace(/^ssh:\/\/[^/]*@/, 'https://'));
  } catch {
    return null;
  }
}
