import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { testServices } from '@drydock/testing';
import { engineDataDir, ScriptBuildEngines } from './script-build-engines.js';
import { SLOTS_DIR } from './subnet-slots.js';

/**
 * A worker killed with SIGKILL cannot stop its engines: each engine's watchdog (services.sh
 * `start --owner-pid`) does, and deletes a throwaway one. One worker per engines directory.
 */
const { dockerCli, dockerHost, registry, buildAllowNets, dataDir } = testServices();
const options = { registryPort: Number(registry.split(':')[1]), buildAllowNets, baseImagesFrom: dockerHost, dockerCli };
const dirs: string[] = [];
let worker: ChildProcess | undefined;

const pool = (dir: string) =>
  new ScriptBuildEngines({ dir, maxEngines: 2, ...options, makeEngine: () => ({}) as never, check: async () => undefined, log: () => undefined });

/** The child worker (engines-owner.child.mjs) on `dir`, once it holds its two engines. */
function startWorker(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'engines-owner.child.mjs'), JSON.stringify({ dir, ...options })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the worker exited with ${code} before it was ready:\n${output}`)));
  });
}

const isRunning = (pid: number): boolean => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition()); await new Promise((resolve) => setTimeout(resolve, 250))) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
  }
}

/** The subnet slot files that name a data dir below `dir`. */
async function slotsOf(dir: string): Promise<string[]> {
  const files = await readdir(SLOTS_DIR).catch(() => [] as string[]);
  const held = await Promise.all(files.map(async (name) => ((await readFile(path.join(SLOTS_DIR, name), 'utf8').catch(() => '')).startsWith(`${dir}/`) ? name : null)));
  return held.filter((name): name is string => name !== null);
}

describe('the engines of a worker that is killed', () => {
  it('stop within seconds, a throwaway one with all its data; while the worker lives, a second pool on its directory is refused', async () => {
    const dir = await mkdtemp(path.join(dataDir, 'owned-'));
    dirs.push(dir);
    worker = await startWorker(dir);
    const kept = engineDataDir(dir, 'owner/kept');
    const throwaway = (await readdir(dir)).filter((name) => name.startsWith('tw-')).map((name) => path.join(dir, name));
    expect(throwaway).toHaveLength(1);
    const dockerds = [kept, throwaway[0]].map((engineDir) => Number(readFileSync(path.join(engineDir, 'docker.pid'), 'utf8')));
    expect(dockerds.every(isRunning)).toBe(true);
    expect(await slotsOf(dir)).toHaveLength(2);

    const second = pool(dir);
    await expect(second.open()).rejects.toMatchObject({ code: 'infrastructure', message: expect.stringContaining(`another live process (pid ${worker.pid})`) });

    worker.kill('SIGKILL');
    await until(() => dockerds.every((pid) => !isRunning(pid)), 'both dockerd gone', 60_000);
    await until(() => !existsSync(throwaway[0]), 'the throwaway data dir deleted', 30_000);
    await until(async () => (await slotsOf(dir)).length === 0, 'their subnet slots freed', 30_000);
    expect(existsSync(path.join(kept, 'docker.pid'))).toBe(false);
    expect(existsSync(path.join(kept, 'docker'))).toBe(true); // a repository's engine keeps its data

    await second.open(); // the dead worker's directory is taken over
    await second.stopAll();
  }, 240_000);
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
