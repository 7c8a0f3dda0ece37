import { withoutCredentials, type Build } from '@drydock/core';
import type { Checkout, CheckoutOptions, GitClient } from '@drydock/git';
import type { BuildPatch } from '@drydock/store';
import type { StepContext } from '../step-context.js';

export type CloneRequest = Pick<CheckoutOptions, 'cloneUrl' | 'ref' | 'sha' | 'token' | 'destDir'>;

/** Checks out the exact commit through the repository's persistent mirror. */
export async function cloneStep(ctx: StepContext, git: GitClient, request: CloneRequest): Promise<Checkout & { dir: string }> {
  ctx.log.line(`Fetching ${withoutCredentials(request.cloneUrl)} ${request.ref}${request.sha ? ` at ${request.sha}` : ''}`);
  const { sha, commit } = await git.checkout({ ...request, signal: ctx.signal, onLog: (line) => ctx.log.line(line) });
  ctx.log.line(`Checked out ${sha}`);
  return { dir: request.destDir, sha, commit };
}

/**
 * What the checkout tells of the build that the build did not know: the full sha of its commit
 * (when a ref or a short sha was asked for), and that commit's title and author when its trigger
 * gave none (a manual build, a push without a head commit, a pull request). A fact the trigger
 * gave is never replaced. The author has only a name: git knows no GitHub login, and the email
 * is not a fact a build shows. Empty when there is nothing to store.
 */
export function learnedFromCheckout(build: Build, { sha, commit }: Checkout): BuildPatch {
  const learned: BuildPatch = {};
  if (sha !== build.sha) learned.sha = sha;
  if (build.title === null && commit.subject !== '') learned.title = commit.subject;
  if (build.author === null && commit.author.name !== '') learned.author = { name: commit.author.name, login: null, avatarUrl: null };
  return learned;
}
