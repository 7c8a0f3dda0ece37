import { z } from 'zod';
import { DrydockError, type Build, type BuildRequest } from '@drydock/core';

/** `POST /api/builds` body. */
export const triggerBodySchema = z.strictObject({
  repo: z.string().min(1, 'is required').max(500),
  ref: z.string().min(1).max(255).optional(),
  sha: z.string().regex(/^[0-9a-f]{7,40}$/, 'must be a hex commit sha').optional(),
});
export type TriggerBody = z.infer<typeof triggerBodySchema>;

const OWNER_NAME = /^[\w.-]+\/[\w.-]+$/;

/** Turns a trigger into a build request, using what an earlier build of the repo told us. */
export function manualBuildRequest(body: TriggerBody, previous: Build | undefined): BuildRequest {
  const ref = body.ref ?? previous?.defaultBranch;
  if (!ref) throw new DrydockError('invalid_request', 'ref: is required for a repository Drydock has not built before');
  const fullRef = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  if (OWNER_NAME.test(body.repo)) {
    if (!previous) throw new DrydockError('not_found', `repository ${body.repo} has not been built before; pass its git URL instead`);
    return { repo: previous.repo, cloneUrl: previous.cloneUrl, ref: fullRef, sha: body.sha ?? null, event: 'manual', defaultBranch: previous.defaultBranch };
  }
  return { repo: repoNameOf(body.repo), cloneUrl: body.repo, ref: fullRef, sha: body.sha ?? null, event: 'manual', defaultBranch: previous?.defaultBranch ?? null };
}

/** `https://host/owner/name.git` -> `owner/name` */
export function repoNameOf(gitUrl: string): string {
  let url: URL;
  try {
    url = new URL(gitUrl);
  } catch {
    throw new DrydockError('invalid_request', 'repo: must be owner/name of a repository built before, or an http(s) git URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DrydockError('invalid_request', 'repo: only http(s) git URLs are supported');
  const parts = url.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2) throw new DrydockError('invalid_request', 'repo: the URL must name owner/repository');
  return parts.slice(-2).join('/');
}
