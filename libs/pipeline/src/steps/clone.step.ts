import { withoutCredentials } from '@drydock/core';
import type { CheckoutOptions, GitClient } from '@drydock/git';
import type { StepContext } from '../step-context.js';

export type CloneRequest = Pick<CheckoutOptions, 'cloneUrl' | 'ref' | 'sha' | 'token' | 'destDir'>;

/** Checks out the exact commit through the repository's persistent mirror. */
export async function cloneStep(ctx: StepContext, git: GitClient, request: CloneRequest): Promise<{ dir: string; sha: string }> {
  ctx.log.line(`Fetching ${withoutCredentials(request.cloneUrl)} ${request.ref}${request.sha ? ` at ${request.sha}` : ''}`);
  const { sha } = await git.checkout({ ...request, signal: ctx.signal, onLog: (line) => ctx.log.line(line) });
  ctx.log.line(`Checked out ${sha}`);
  return { dir: request.destDir, sha };
}
