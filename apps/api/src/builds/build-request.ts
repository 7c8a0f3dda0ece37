import picomatch from 'picomatch';
import { z } from 'zod';
import { DrydockError, isOwnerName, ownerNameOfUrl, withoutCredentials, type BuildRequest } from '@drydock/core';
import type { KnownRepository } from '@drydock/store';

/** `POST /api/builds` body. */
export const triggerBodySchema = z.strictObject({
  repo: z.string().min(1, 'is required').max(500),
  ref: z.string().min(1).max(255).optional(),
  sha: z.string().regex(/^[0-9a-f]{7,40}$/, 'must be a hex commit sha').optional(),
});
export type TriggerBody = z.infer<typeof triggerBodySchema>;

/**
 * The repositories a manual build may clone by URL besides those known from signed webhooks:
 * DRYDOCK_ALLOWED_REPOS, globs over `host/owner/name` (the host with its port, lowercased).
 */
export class AllowedRepos {
  private readonly matches: (path: string) => boolean;

  constructor(globs: readonly string[]) {
    this.matches = globs.length > 0 ? picomatch([...globs], { nocase: true }) : () => false;
  }

  allows(cloneUrl: string): boolean {
    return this.matches(repoPathOf(cloneUrl));
  }
}

/**
 * Turns a trigger into a build request. `owner/name` is cloned from the URL the repository's
 * signed webhooks gave (`known`); a git URL only when it is that URL or DRYDOCK_ALLOWED_REPOS
 * allows it. Credentials in a URL are dropped: private clones use GITHUB_TOKEN.
 */
export function manualBuildRequest(body: TriggerBody, known: KnownRepository | undefined, allowed: AllowedRepos): BuildRequest {
  const request = (repo: string, cloneUrl: string): BuildRequest => {
    const ref = body.ref ?? known?.defaultBranch;
    if (!ref) throw new DrydockError('invalid_request', 'ref: is required for a repository no webhook has named');
    const fullRef = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
    return { repo, cloneUrl, ref: fullRef, sha: body.sha ?? null, event: 'manual', defaultBranch: known?.defaultBranch ?? null };
  };
  if (isOwnerName(body.repo)) {
    if (!known) {
      throw new DrydockError('not_found', `repository ${body.repo} is not known from a signed GitHub webhook; pass a git URL that DRYDOCK_ALLOWED_REPOS allows instead`);
    }
    return request(body.repo, known.cloneUrl);
  }
  const cloneUrl = withoutCredentials(body.repo);
  const repo = ownerNameOfUrl(cloneUrl);
  if (!(known && sameRepository(cloneUrl, known.cloneUrl)) && !allowed.allows(cloneUrl)) {
    throw new DrydockError(
      'forbidden',
      `repo: ${cloneUrl} is neither the clone URL of ${repo} known from its GitHub webhooks nor allowed by DRYDOCK_ALLOWED_REPOS (globs over host/owner/name, e.g. ${repoPathOf(cloneUrl)})`,
    );
  }
  return request(repo, cloneUrl);
}

/** The `owner/name` a trigger names, whether it gave that or a git URL. */
export const repoOfTrigger = (body: TriggerBody): string => (isOwnerName(body.repo) ? body.repo : ownerNameOfUrl(body.repo));

/** `https://GitHub.com:443/acme/app.git` -> `github.com/acme/app`: what DRYDOCK_ALLOWED_REPOS globs match. */
export function repoPathOf(cloneUrl: string): string {
  const url = new URL(cloneUrl);
  const path = url.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${url.host.toLowerCase()}${path}`;
}

/** The same repository at the same place, whether or not either URL ends in `.git` or `/`. */
function sameRepository(a: string, b: string): boolean {
  try {
    return new URL(a).protocol === new URL(b).protocol && repoPathOf(a) === repoPathOf(b);
  } catch {
    return false;
  }
}
