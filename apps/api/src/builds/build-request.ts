import { z } from 'zod';
import { DrydockError, isOwnerName, ownerNameOfUrl, type Build, type BuildRequest } from '@drydock/core';

/** `POST /api/builds` body. */
export const triggerBodySchema = z.strictObject({
  repo: z.string().min(1, 'is required').max(500),
  ref: z.string().min(1).max(255).optional(),
  sha: z.string().regex(/^[0-9a-f]{7,40}$/, 'must be a hex commit sha').optional(),
});
export type TriggerBody = z.infer<typeof triggerBodySchema>;

/** Turns a trigger into a build request, using what an earlier build of the repo told us. */
export function manualBuildRequest(body: TriggerBody, previous: Build | undefined): BuildRequest {
  const ref = body.ref ?? previous?.defaultBranch;
  if (!ref) throw new DrydockError('invalid_request', 'ref: is required for a repository Drydock has not built before');
  const fullRef = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  if (isOwnerName(body.repo)) {
    if (!previous) throw new DrydockError('not_found', `repository ${body.repo} has not been built before; pass its git URL instead`);
    return { repo: previous.repo, cloneUrl: previous.cloneUrl, ref: fullRef, sha: body.sha ?? null, event: 'manual', defaultBranch: previous.defaultBranch };
  }
  return { repo: ownerNameOfUrl(body.repo), cloneUrl: body.repo, ref: fullRef, sha: body.sha ?? null, event: 'manual', defaultBranch: previous?.defaultBranch ?? null };
}

/** The `owner/name` a trigger names, whether it gave that or a git URL. */
export const repoOfTrigger = (body: TriggerBody): string => (isOwnerName(body.repo) ? body.repo : ownerNameOfUrl(body.repo));
