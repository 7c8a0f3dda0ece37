import semver from 'semver';
import { branchOf, splitOwnerName, tagOf, type Build } from '@drydock/core';

/**
 * The tags an image gets, per the contract:
 * branch B at S -> `sha-<7>`, slug(B), `latest` on the default branch;
 * tag v1.2.3 -> 1.2.3, 1.2, 1, sha-<7> (a prerelease gets only itself and sha-<7>); other tags -> slug(T);
 * pull request N -> `pr-N`.
 */
export function imageTags(build: Pick<Build, 'ref' | 'defaultBranch'> & { sha: string }): string[] {
  const shaTag = `sha-${build.sha.slice(0, 7)}`;
  const pr = /^refs\/pull\/(\d+)\//.exec(build.ref);
  if (pr) return [`pr-${pr[1]}`];
  const tag = tagOf(build.ref);
  if (tag !== null) return tagsForGitTag(tag, shaTag);
  const branch = branchOf(build.ref) ?? build.ref;
  const tags = [shaTag, slugTag(branch)];
  if (branch === build.defaultBranch) tags.push('latest');
  return unique(tags);
}

function tagsForGitTag(tag: string, shaTag: string): string[] {
  const version = /^v?\d+\.\d+\.\d+/.test(tag) ? semver.parse(tag.replace(/^v/, '')) : null;
  if (!version) return [slugTag(tag)];
  if (version.prerelease.length > 0) return unique([slugTag(version.version), shaTag]);
  const { major, minor, patch } = version;
  return unique([`${major}.${minor}.${patch}`, `${major}.${minor}`, `${major}`, shaTag]);
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

/** `<registry>/<owner>/<repo>` lowercased; a config image name replaces the repo part. */
export function imageRepository(registry: string, repo: string, configName: string | null): string {
  const { owner } = splitOwnerName(repo);
  const path = configName === null ? repo : configName.includes('/') ? configName : `${owner}/${configName}`;
  return `${registry}/${path}`.toLowerCase();
}

const unique = (tags: string[]): string[] => [...new Set(tags)];
