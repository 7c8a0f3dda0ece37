import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { DrydockError } from '@drydock/core';

/** The last queued holder of each mirror's in-process lock; resolves when it is done. */
const tails = new Map<string, Promise<void>>();

/**
 * Runs `work` holding the mirror's lock: first in this process (a promise queue per path),
 * then across processes sharing the data dir (a `<mirror>.lock` file, stale after 30 s
 * without a heartbeat, so a crashed worker does not block the mirror for long).
 * Aborting while waiting rejects with `cancelled` without running `work`.
 */
export async function withMirrorLock<T>(mirrorDir: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(mirrorDir) ?? Promise.resolve();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const tail = previous.then(() => done);
  tails.set(mirrorDir, tail);
  try {
    await untilAborted(previous, signal);
    await mkdir(path.dirname(mirrorDir), { recursive: true });
    const unlock = await lockfile.lock(mirrorDir, {
      lockfilePath: `${mirrorDir}.lock`,
      realpath: false,
      stale: 30_000,
      retries: { retries: 300, minTimeout: 200, maxTimeout: 2_000 },
      onCompromised: () => undefined, // advisory: git's own ref locks still guard the repository
    });
    try {
      return await work();
    } finally {
      await unlock().catch(() => undefined);
    }
  } finally {
    finish();
    void tail.then(() => {
      if (tails.get(mirrorDir) === tail) tails.delete(mirrorDir);
    });
  }
}

function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new DrydockError('cancelled', 'cancelled'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new DrydockError('cancelled', 'cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
