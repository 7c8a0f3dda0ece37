import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DrydockError } from '@drydock/core';

/**
 * Network slots for the engines a worker starts: slot N is the subnet 10.N.0.0/16 with the
 * bridge (and network namespace) `ddengN`, N from 224 to 239. The range collides with none
 * of the project's other engines (`npm run up` 10.220, the test engine 10.221, the isolation
 * tests 10.222, 10.231, 10.232).
 *
 * Slots are machine-wide, shared by every worker and test stack: a slot is taken by creating
 * `<SLOTS_DIR>/<N>` exclusively (O_EXCL), holding the engine's data dir. A slot whose engine
 * is gone (no live `docker.pid` in that dir, and older than a start takes) is taken over under
 * `<N>.lock` (mkdir, which only one process wins). A slot whose namespace still
 * exists (an engine nobody owns any more) is skipped: `services.sh stop` on its data dir frees it.
 */
export const SLOTS_DIR = '/var/lib/drydock-engine-slots';
const FIRST = 224;
const LAST = 239;
/** A slot file younger than this is never taken over: its engine may still be starting. */
const START_GRACE_MS = 120_000;

export interface SubnetSlot {
  subnet: string;
  bridge: string;
  /** The slot's file (holding the engine's data dir): an engine's watchdog frees it too. */
  file: string;
  /** Frees the slot while it is still this one's; idempotent. */
  release(): Promise<void>;
}

export async function claimSlot(dataDir: string, slotsDir = SLOTS_DIR): Promise<SubnetSlot> {
  await mkdir(slotsDir, { recursive: true });
  for (let n = FIRST; n <= LAST; n++) {
    const bridge = `ddeng${n}`;
    if (existsSync(`/run/netns/${bridge}`)) continue;
    const file = path.join(slotsDir, String(n));
    if ((await take(file, dataDir)) || ((await isStale(file)) && (await takeOver(file, dataDir)))) {
      return { subnet: `10.${n}.0.0/16`, bridge, file, release: () => free(file, dataDir) };
    }
  }
  throw new DrydockError('infrastructure', `all ${LAST - FIRST + 1} engine subnets (10.${FIRST}-${LAST}.0.0/16) are taken (${slotsDir})`);
}

async function take(file: string, dataDir: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(`${dataDir}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Only while the slot is still this engine's: `services.sh stop --slot-file` may have freed it, and another engine taken it. */
async function free(file: string, dataDir: string): Promise<void> {
  if ((await readFile(file, 'utf8').catch(() => '')).trim() === dataDir) await rm(file, { force: true });
}

async function isStale(file: string): Promise<boolean> {
  try {
    if (Date.now() - (await stat(file)).mtimeMs < START_GRACE_MS) return false;
    const dataDir = (await readFile(file, 'utf8')).trim();
    const pid = Number((await readFile(path.join(dataDir, 'docker.pid'), 'utf8').catch(() => '')).trim());
    return !(pid > 0 && isAlive(pid));
  } catch {
    return false; // gone meanwhile: the next claim may take it
  }
}

async function takeOver(file: string, dataDir: string): Promise<boolean> {
  const lock = `${file}.lock`;
  try {
    await mkdir(lock);
  } catch {
    // another process is taking it over; a lock its crashed owner left goes after a while
    if (Date.now() - (await stat(lock).then((s) => s.mtimeMs).catch(() => Date.now())) > START_GRACE_MS) await rmdir(lock).catch(() => undefined);
    return false;
  }
  try {
    if (!(await isStale(file))) return false;
    await rm(file, { force: true });
    return await take(file, dataDir);
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
