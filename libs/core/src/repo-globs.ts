import picomatch from 'picomatch';

/**
 * An operator's list of repositories, as globs over `host/owner/name` (the host with its port,
 * lowercased; case-insensitive; `*` stays within one path segment, `**` crosses them):
 * DRYDOCK_ALLOWED_REPOS, DRYDOCK_TRUSTED_REPOS. Empty matches nothing.
 */
export class RepoGlobs {
  private readonly matches: (path: string) => boolean;

  constructor(globs: readonly string[]) {
    this.matches = globs.length > 0 ? picomatch([...globs], { nocase: true }) : () => false;
  }

  /** Whether a clone URL's `host/owner/name` matches; a URL that does not parse matches nothing. */
  allows(cloneUrl: string): boolean {
    let repoPath: string;
    try {
      repoPath = repoPathOf(cloneUrl);
    } catch {
      return false;
    }
    return this.matches(repoPath);
  }
}

/** `https://GitHub.com:443/acme/app.git` -> `github.com/acme/app`: what the globs of `RepoGlobs` match. Throws on a string that is no URL. */
export function repoPathOf(cloneUrl: string): string {
  const url = new URL(cloneUrl);
  const path = url.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${url.host.toLowerCase()}${path}`;
}
