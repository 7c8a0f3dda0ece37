import { branchOf, tagOf, type Build, type BuildRequest } from '@drydock/core';
import type { BuildPatch } from '@drydock/store';

/**
 * One commit, one build: the open build a new request shares instead of building the commit
 * again, with what the request adds to it (its branch, its pull request: their tags too; see
 * the pipeline's `retagged`). Only trusted code is shared (never a fork's build, never with
 * one), only a build that has not started pushing, and a build has one branch and one pull
 * request: a push of the commit to a second branch builds on its own. Tags and retries never share.
 */
export function shareableBuild(open: readonly Build[], request: BuildRequest): { build: Build; patch: BuildPatch | null } | undefined {
  if (request.sha === null || request.fork || request.blocked || request.retryOf != null || tagOf(request.ref) !== null) return undefined;
  for (const build of open) {
    if (build.sha !== request.sha || build.fork || build.retryOf !== null || tagOf(build.ref) !== null) continue;
    if (!(build.status === 'queued' || (build.status === 'running' && !hasStartedPushing(build)))) continue;
    const patch = joinPatch(build, request);
    if (patch !== undefined) return { build, patch };
  }
  return undefined;
}

/** What joining `build` changes on it; undefined when the request cannot join it. */
function joinPatch(build: Build, request: BuildRequest): BuildPatch | null | undefined {
  const pr = pullRequestOfRef(build.ref);
  if (request.pullRequest != null) {
    if (build.pullRequest === request.pullRequest) return null;
    // a branch build the pull request's head is: it gets `pr-N` as well
    return build.pullRequest === null && branchOf(build.ref) !== null ? { pullRequest: request.pullRequest } : undefined;
  }
  if (sameRef(build.ref, request.ref)) return null; // a rebuild or second push of what is already being built
  // a push of the branch a pull request's build is for: the build takes the branch (and its tags)
  return pr !== null && branchOf(request.ref) !== null && request.event === 'push' ? { ref: request.ref } : undefined;
}

/**
 * The open builds `build` (just stored, or just joined by a new push or pull request head)
 * supersedes: the other builds of the same feature branch or pull request, of another commit, that have not started pushing. Default-branch and tag
 * builds never supersede or are superseded (they run, in order); nor do manual builds and rebuilds.
 */
export function supersededBy(open: readonly Build[], build: Build): Build[] {
  if (build.event !== 'push' && build.event !== 'pull_request') return [];
  if (onDefaultBranch(build) || tagOf(build.ref) !== null) return [];
  return open.filter(
    (older) =>
      older.id !== build.id &&
      older.sha !== build.sha &&
      !onDefaultBranch(older) &&
      tagOf(older.ref) === null &&
      !hasStartedPushing(older) &&
      ((build.pullRequest !== null && older.pullRequest === build.pullRequest) || (branchOf(build.ref) !== null && sameRef(older.ref, build.ref))),
  );
}

/** A push step that has begun: the build is not cut halfway through it. */
export const hasStartedPushing = (build: Build): boolean => build.steps.some((step) => step.name === 'push' && step.status !== 'pending');

const onDefaultBranch = (build: Build): boolean => build.defaultBranch !== null && branchOf(build.ref) === build.defaultBranch;

const pullRequestOfRef = (ref: string): number | null => {
  const match = /^refs\/pull\/(\d+)\//.exec(ref);
  return match ? Number(match[1]) : null;
};

/** Refs name the same thing: `main` and `refs/heads/main` do (manual builds use short names). */
const sameRef = (a: string, b: string): boolean => a === b || (branchOf(a) ?? a) === (branchOf(b) ?? b);
