import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { withMirrorLock } from './mirror-lock.js';
import { mirrorDirFor, parseCloneUrl } from './repo-url.js';

/**
 * Removes the bare mirrors under `<dataDir>/git` that no clone URL in `keep` maps to and that
 * were not fetched into since `unusedSince` (both must hold: a store reset does not take a busy
 * mirror). Each removal holds the mirror's lock, so a checkout in progress is never cut short.
 * Resolves with the directories removed. Idempotent.
 */
export async function pruneMirrors(dataDir: string, keep: readonly string[], unusedSince: Date): Promise<string[]> {
  const kept = new Set(keep.filter((url) => parseCloneUrl(url) !== null).map((url) => mirrorDirFor(dataDir, url)));
  const removed: string[] = [];
  for (const mirror of await bareMirrorsUnder(path.join(dataDir, 'git'))) {
    if (kept.has(mirror) || (await lastUsed(mirror)) >= unusedSince.getTime()) continue;
    await withMirrorLock(mirror, new AbortController().signal, () => rm(mirror, { recursive: true, force: true }));
    await rm(`${mirror}.lock`, { recursive: true, force: true }).catch(() => undefined);
    removed.push(mirror);
  }
  return removed;
}

/** Directories named `*.git` holding a `HEAD`, at any depth (mirrors are `<host>/<owner>/.../<repo>.git`). */
async function bareMirrorsUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name.endsWith('.git') && (await stat(path.join(full, 'HEAD')).catch(() => null))) found.push(full);
      else if (depth < 8) await walk(full, depth + 1);
    }
  };
  await walk(root, 0);
  return found;
}

/** The latest of the mirror's own, its FETCH_HEAD's and its HEAD's modification times. */
async function lastUsed(mirror: string): Promise<number> {
  const times = await Promise.all(['', 'FETCH_HEAD', 'HEAD'].map((name) => stat(path.join(mirror, name)).then((s) => s.mtimeMs, () => 0)));
  return Math.max(...times);
}
