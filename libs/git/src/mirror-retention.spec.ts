import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pruneMirrors } from './mirror-retention.js';
import { mirrorDirFor } from './repo-url.js';

describe('pruneMirrors', () => {
  let dataDir: string;
  const day = 24 * 3600 * 1000;

  /** A bare mirror's skeleton, last used `ageDays` ago. */
  const mirror = async (cloneUrl: string, ageDays: number) => {
    const dir = mirrorDirFor(dataDir, cloneUrl);
    await mkdir(dir, { recursive: true });
    const when = new Date(Date.now() - ageDays * day);
    for (const name of ['HEAD', 'FETCH_HEAD']) {
      await writeFile(path.join(dir, name), 'ref: refs/heads/main\n');
      await utimes(path.join(dir, name), when, when);
    }
    await utimes(dir, when, when);
    return dir;
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'drydock-retention-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('removes mirrors neither built since the cutoff nor fetched into since, and keeps the rest', async () => {
    const stale = await mirror('https://github.com/acme/stale.git', 120);
    const built = await mirror('https://github.com/acme/built.git', 120);
    const fresh = await mirror('https://github.com/acme/fresh.git', 1);
    const nested = await mirror('ssh://git@ghe.corp:2222/team/sub/old.git', 200);
    await writeFile(path.join(dataDir, 'git', 'stray-file'), 'x');

    const keep = ['https://user:pw@github.com/acme/built.git', 'not a url'];
    const removed = await pruneMirrors(dataDir, keep, new Date(Date.now() - 90 * day));

    expect(removed.sort()).toEqual([nested, stale].sort());
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(nested)).toBe(false);
    expect(existsSync(built)).toBe(true);
    expect(existsSync(fresh)).toBe(true);
    expect(await pruneMirrors(dataDir, keep, new Date(Date.now() - 90 * day))).toEqual([]);
  });

  it('does nothing when there are no mirrors yet', async () => {
    await expect(pruneMirrors(dataDir, [], new Date())).resolves.toEqual([]);
  });
});
