import picomatch from 'picomatch';
import { branchOf, errorCodeOf, messageOf, type Build } from '@drydock/core';
import type { GitClient } from '@drydock/git';
import type { ImageSpec } from './drydock-config.js';
import type { StepContext } from './step-context.js';

/**
 * `.drydock.yml`'s `branches` and `paths` of an image: whether this build builds it.
 *
 * `branches` filters branch builds only (pushes to a branch, manual builds of a branch); a tag
 * or pull request build builds the image whatever its `branches` say. `paths` filters on the
 * files the change touched (see `changedFiles` of the GitClient: the files that differ between
 * `Build.before` and the commit built); when there is nothing to compare against (`changed` is
 * null: a new branch, a rebuild, a commit that cannot be found) every image is built.
 */
export function skipReason(spec: Pick<ImageSpec, 'branches' | 'paths'>, build: Pick<Build, 'ref'>, changed: readonly string[] | null): string | null {
  const branch = branchOf(build.ref);
  if (spec.branches && branch !== null && !picomatch(spec.branches)(branch)) return `branch ${branch} is not in branches (${listed(spec.branches)})`;
  if (spec.paths && changed !== null && !changed.some(pathMatcher(spec.paths))) return `no change under ${listed(spec.paths)}`;
  return null;
}

/** A commit to compare with, or null: none (a new branch's all-zero `before`), or no `before` at all. */
export function comparableBefore(before: string | null): string | null {
  return before !== null && /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(before) && !/^0+$/.test(before) ? before : null;
}

/** Matches a file (relative to the repository root) that some glob names and no `!glob` excludes; dot files too. */
export function pathMatcher(globs: readonly string[]): (file: string) => boolean {
  const excluded = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  const included = globs.filter((g) => !g.startsWith('!'));
  const includes = picomatch(included.length > 0 ? included : ['**'], { dot: true });
  const excludes = excluded.length > 0 ? picomatch(excluded, { dot: true }) : () => false;
  return (file) => includes(file) && !excludes(file);
}

/** A status description has little room: the first globs, then how many more. */
function listed(globs: readonly string[]): string {
  const shown = globs.slice(0, 3).join(', ');
  return globs.length > 3 ? `${shown} and ${globs.length - 3} more` : shown;
}

/** What `selectImages` compares: the build (its ref, clone URL and `before`) and the commit checked out. */
export interface ChangeOf {
  build: Pick<Build, 'ref' | 'cloneUrl' | 'before'>;
  sha: string;
  token?: string;
}

/**
 * Per image, why this build leaves it out (see `skipReason`), or null when it builds it; each
 * left out is said in the log. The change is asked of git only when an image's `paths` decide.
 */
export async function selectImages(ctx: StepContext, git: GitClient, change: ChangeOf, images: readonly ImageSpec[]): Promise<Array<string | null>> {
  const decidesByPaths = images.some((spec) => spec.paths !== null && skipReason({ ...spec, paths: null }, change.build, null) === null);
  const changed = decidesByPaths ? await changedFiles(ctx, git, change) : null;
  const skips = images.map((spec) => skipReason(spec, change.build, changed));
  skips.forEach((reason, i) => reason && ctx.log.line(`Image ${images[i].name ?? '(repository)'} is skipped: ${reason}`));
  return skips;
}

/** The files the change touched, or null (said in the log) when there is nothing to compare with: then every image is built. */
async function changedFiles(ctx: StepContext, git: GitClient, { build, sha, token }: ChangeOf): Promise<string[] | null> {
  const before = comparableBefore(build.before);
  if (before === null) {
    ctx.log.line('No earlier commit to compare with: every image is built, whatever its paths');
    return null;
  }
  try {
    const changed = await git.changedFiles({ cloneUrl: build.cloneUrl, token, from: before, to: sha, signal: ctx.signal });
    ctx.log.line(changed === null ? `Commit ${before} (before this change) not found: every image is built, whatever its paths` : `${changed.length} file(s) changed since ${before.slice(0, 7)}`);
    return changed;
  } catch (err) {
    if (ctx.signal.aborted || errorCodeOf(err) === 'cancelled') throw err;
    ctx.log.line(`[drydock] could not tell what changed since ${before.slice(0, 7)} (${messageOf(err)}): every image is built, whatever its paths`);
    return null;
  }
}
