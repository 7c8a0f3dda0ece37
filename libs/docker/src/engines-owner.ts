import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DrydockError } from '@drydock/core';

/** A lock directory older than this was left by a process that died while claiming. */
const STALE_LOCK_MS = 10_000;

/**
 * One pool per engines directory: `<dir>/owner.pid` names the process whose pool starts and
 * stops the engines there, as `PID STARTTIME` (the start time tells the process from a later
 * one given the same pid). A live owner other than this claim, this process's own other pools
 * included, is refused with `DrydockError('infrastructure')`; a dead one's file is taken over.
 * Claims and releases go through the lock directory `<dir>/owner.lock` (mkdir, which one process wins).
 * Resolves with the release, which removes the file while it is still this claim's.
 */
export async function claimEnginesDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'owner.pid');
  const me = `${process.pid} ${startTime(process.pid)}`;
  await locked(file, async () => {
    const owner = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (owner && isLive(owner)) {
      throw new DrydockError('infrastructure', `${dir} is the engines directory of another live process (pid ${owner.split(' ')[0]}): one worker per DRYDOCK_ENGINES_DIR`);
    }
    await writeFile(file, `${me}\n`);
  });
  return () =>
    locked(file, async () => {
      if ((await readFile(file, 'utf8').catch(() => '')).trim() === me) await rm(file, { force: true });
    });
}

async function locked(file: string, body: () => Promise<void>): Promise<void> {
  const lock = `${file}.lock`;
  for (let tries = 0; ; tries++) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs).catch(() => Date.now()));
      if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => undefined);
      else if (tries > 200) throw new DrydockError('infrastructure', `${lock} stays locked`);
      else await sleep(50);
    }
  }
  try {
    await body();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

/** `PID STARTTIME` names a running process (not a zombie). */
function isLive(owner: string): boolean {
  const [pid, since] = owner.split(' ');
  return Number(pid) > 0 && startTime(Number(pid)) === since;
}

/** When the process started (clock ticks since boot, /proc/PID/stat field 22); '' for no process or a zombie. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' '); // after "pid (comm) ": state is field 3
    return fields[0] === 'Z' ? '' : (fields[19] ?? '');
  } catch {
    return '';
  }
}
