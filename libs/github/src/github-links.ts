/**
 * Links to a repository's pages on GitHub, built only from its web URL (`repository.html_url`)
 * once that URL is checked to be https, without credentials, query or fragment, and to name
 * exactly the repository (`/owner/name`): nothing else of a payload goes into a link unchecked.
 */
export function repositoryWebUrl(htmlUrl: unknown, fullName: string): string | null {
  if (typeof htmlUrl !== 'string' || htmlUrl.length > 500) return null;
  let url: URL;
  try {
    url = new URL(htmlUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) return null;
  if (url.pathname.replace(/\/$/, '').toLowerCase() !== `/${fullName}`.toLowerCase()) return null;
  return `${url.origin}/${fullName}`;
}

const SHA = /^[0-9a-f]{40}$/;

export const commitUrlOf = (web: string | null, sha: string): string | null => (web && SHA.test(sha) ? `${web}/commit/${sha}` : null);

/** The compare view of a push: `before...after` (null for a new branch, whose `before` is all zeros). */
export const compareUrlOf = (web: string | null, before: string | null | undefined, after: string): string | null =>
  web && before && SHA.test(before) && !/^0+$/.test(before) && SHA.test(after) ? `${web}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}` : null;

export const pullRequestUrlOf = (web: string | null, number: number): string | null => (web && Number.isSafeInteger(number) && number > 0 ? `${web}/pull/${number}` : null);

/** An https avatar URL, or null. */
export function avatarUrlOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 500) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password ? url.href : null;
  } catch {
    return null;
  }
}

/** The first line of a commit message, bounded; null when empty. */
export function commitTitleOf(message: string | null | undefined): string | null {
  const line = (message ?? '').split(/\r?\n/, 1)[0].trim();
  return line === '' ? null : line.slice(0, 300);
}
