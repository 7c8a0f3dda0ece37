import { tagOf } from '@drydock/core';
import type { BuildStore } from '@drydock/store';
import { versionOfTag } from './image-tags.js';

/** Enough pages for any real release history; a bound on the work one build does. */
const MAX_PAGES = 50;

/**
 * The release versions a repository's successful tag builds pushed, from the build history:
 * what `1` and `1.2` may not move back from.
 */
export async function releasedVersions(store: Pick<BuildStore, 'list'>, repo: string): Promise<string[]> {
  const versions: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await store.list({ repo, event: 'tag', status: 'success', limit: 100, cursor });
    for (const build of items) {
      const version = versionOfTag(tagOf(build.ref) ?? '');
      if (version) versions.push(version.version);
    }
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return versions;
}
