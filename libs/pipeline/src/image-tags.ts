import semver from 'semver';
import { branchOf, splitOwnerName, tagOf, type Build } from '@drydock/core';

/**
 * The tags an image gets, per the contract:
 * branch B at S -> `sha-<7>`, slug(B) (or `branch-<slug>` when the slug could pass for a
 * tag Drydock gives: `latest`, `sha-<hex>`, `pr-<n>`, a version), `latest` on the default branch;
 * tag v1.2.3 -> 1.2.3, 1.2, 1, sha-<7>, where `1.2` and `1` are left out when `released`
 * holds a newer 1.2.x or 1.x (they never move back); a prerelease gets only itself and
 * sha-<7>; other tags -> slug(T); pull request N -> `pr-N`. A branch build that a pull request of
 * the same commit shares (`pullRequest`) gets the branch's tags and `pr-N`.
 */
export function imageTags(
  build: Pick<Build, 'ref' | 'defaultBranch'> & { sha: string; pullRequest?: number | null },
  released: readonly string[] = [],
): string[] {
  const shaTag = `sha-${build.sha.slice(0, 7)}`;
  const pr = /^refs\/pull\/(\d+)\//.exec(build.ref);
  if (pr) return [`pr-${pr[1]}`];
  if (build.pullRequest != null && tagOf(build.ref) === null) return unique([...imageTags({ ...build, pullRequest: null }, released), `pr-${build.pullRequest}`]);
  const tag = tagOf(build.ref);
  if (tag !== null) return tagsForGitTag(tag, shaTag, released);
  const branch = branchOf(build.ref) ?? build.ref;
  const tags = [shaTag, branchTag(branch)];
  if (branch === build.defaultBranch) tags.push('latest');
  return unique(tags);
}

/** The release version a git tag names (`v1.2.3` or `1.2.3`), or null. */
export function versionOfTag(tag: string): semver.SemVer | null {
  return /^v?\d+\.\d+\.\d+/.test(tag) ? semver.parse(tag.replace(/^v/, '')) : null;
}

function tagsForGitTag(tag: string, shaTag: string, released: readonly string[]): string[] {
  const version = versionOfTag(tag);
  if (!version) return [slugTag(tag)];
  if (version.prerelease.length > 0) return unique([slugTag(version.version), shaTag]);
  const { major, minor, patch } = version;
  const newer = released.filter((v) => semver.valid(v) && semver.prerelease(v) === null && semver.gt(v, version));
  const floating = [
    ...(newer.some((v) => semver.major(v) === major && semver.minor(v) === minor) ? [] : [`${major}.${minor}`]),
    ...(newer.some((v) => semver.major(v) === major) ? [] : [`${major}`]),
  ];
  return unique([`${major}.${minor}.${patch}`, ...floating, shaTag]);
}

/** A branch's tag: its slug, unless the slug could be taken for a tag Drydock gives otherwise. */
export function branchTag(branch: string): string {
  const slug = slugTag(branch);
  const reserved = slug === 'latest' || /^sha-[0-9a-f]+$/.test(slug) || /^pr-\d+$/.test(slug) || /^v?\d+(\.\d+){0,2}$/.test(slug);
  return reserved ? slugTag(`branch-${slug}`) : slug;
}

/**
 * A git name as a Docker tag: lowercase, every character outside [a-z0-9._-] becomes `-`;
 * a tag may not start with `.` or `-` and has at most 128 characters.
 */
export function slugTag(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
  return slug || 'untitled';
}

/** `<registry>/<owner>/<repo>` lowercased; a config image name replaces the repo part, always under the owner. */
export function imageRepository(registry: string, repo: string, configName: string | null): string {
  const { owner, name } = splitOwnerName(repo);
  return `${registry}/${owner}/${configName ?? name}`.toLowerCase();
}

const unique = (tags: string[]): string[] => [...new Set(tags)];
