import { z } from 'zod';
import { DrydockError, isOwnerName, ownerNameOfUrl, repoPathOf, RepoGlobs, withoutCredentials, type BuildRequest } from '@drydock/core';
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
 * DRYDOCK_ALLOWED_REPOS, matched as every operator list of repositories is (core's `RepoGlobs`).
 */
export { RepoGlobs as AllowedRepos };

/**
 * Turns a trigger into a build request. `owner/name` is cloned from the URL the repository's
 * signed webhooks gave (`known`); a git URL only when it is that URL or DRYDOCK_ALLOWED_REPOS
 * allows it. Credentials in a URL are dropped: private clones use GITHUB_TOKEN.
 */
export function manualBuildRequest(body: TriggerBody, known: KnownRepository | undefined, allowed: RepoGlobs): BuildRequest {
  const request = (repo: string, cloneUrl: string): BuildRequest => {
    const ref = body.ref ?? known?.defaultBranch;
    if (!ref) throw new DrydockError('invalid_request', 'ref: is required for a repository no webhook has named');
    const fullRef = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
    return { repo, cloneUrl, ref: fullRef, sha: body.sha ?? null, event: 'manual', defaultBranch: known?.defaultBranch ?? null, triggeredBy: 'api' };
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

/** The same repository at the same place, whether or not either URL ends in `.git` or `/`. */
function sameRepository(a: string, b: string): boolean {
  try {
    return new URL(a).protocol === new URL(b).protocol && repoPathOf(a) === repoPathOf(b);
  } catch {
    return false;
  }
}
