import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DrydockError, messageOf } from '@drydock/core';
import type { BuildEngines, EngineLease, EngineRequest } from './build-engines.js';
import { dockerClientEnv } from './client-env.js';
import type { DockerEngine } from './docker-engine.js';
import { claimEnginesDir } from './engines-owner.js';
import { runCommand } from './run-command.js';
import { claimSlot, type SubnetSlot } from './subnet-slots.js';

/** Copied into every new engine from the base-images engine, when that one has them. */
const BASE_IMAGES = ['busybox:latest', 'debian:bookworm-slim'];
/**
 * Names the data dir of a throwaway engine, `<dir>/tw-<8 random hex>`; a repository's is a 12-digit hash (`engineDataDir`).
 * Short: the engine's sockets are below it, and a unix socket's path has at most 104 bytes.
 */
const THROWAWAY = 'tw-';

export interface ScriptBuildEnginesOptions {
  /**
   * DRYDOCK_ENGINES_DIR: one data root per repository below it (`<dir>/<hash>`), kept while its engine is stopped,
   * and one per throwaway engine (`<dir>/tw-<random>`), deleted when it stops. One pool per directory (`open`).
   */
  dir: string;
  maxEngines: number;
  /** The registry's port on the host's loopback, forwarded into each engine's namespace (push and pull). */
  registryPort: number;
  buildAllowNets: string[];
  /** The engine base images are copied from (DOCKER_HOST; the docker client's default when unset). */
  baseImagesFrom: string | undefined;
  dockerCli: string;
  /** The adapter for an engine's socket (`unix://…`). */
  makeEngine(dockerHost: string): DockerEngine;
  /** Refuses an engine (throws), e.g. `checkEngine` on its BuildKit; runs on each engine started. */
  check(engine: DockerEngine): Promise<void>;
  log(message: string): void;
}

interface Entry {
  /** The repository, or the throwaway engine's own name (never found by a repository). */
  key: string;
  repo: string;
  throwaway: boolean;
  dataDir: string;
  leases: number;
  lastUsed: number;
  ready: Promise<{ engine: DockerEngine; slot: SubnetSlot }>;
}

/**
 * Engines started with scripts/services.sh, one per repository and one per throwaway request,
 * each in its own network box (namespace, bridge, firewall rules: the same as the engine
 * `npm run up` starts) and its own data root. See `BuildEngines` for the lifecycle; subnets
 * come from machine-wide slots (subnet-slots.ts) so parallel workers and test stacks never collide.
 * Each engine is started with this process as its owner: a watchdog stops it (and deletes a
 * throwaway one) once the process is gone, SIGKILL included.
 */
export class ScriptBuildEngines implements BuildEngines {
  private readonly entries = new Map<string, Entry>();
  private readonly waiters: Array<() => void> = [];
  private stopping = 0;
  /** Stops under way, by data dir: the repository's next engine starts once its last one is down. */
  private readonly stops = new Map<string, Promise<void>>();
  private readonly script = servicesScript();
  private opened: Promise<() => Promise<void>> | undefined;

  constructor(private readonly options: ScriptBuildEnginesOptions) {}

  /**
   * Makes this process the directory's owner (`claimEnginesDir`: another live one is refused with
   * `DrydockError('infrastructure')`), then stops the engines a crashed earlier owner left there
   * (their data stays) and deletes its throwaway ones. Once per pool (again after a refusal); `acquire` waits for it.
   */
  async open(): Promise<void> {
    this.opened ??= this.claim().catch((err: unknown) => {
      this.opened = undefined; // refused: a later open tries again
      throw err;
    });
    await this.opened;
  }

  private async claim(): Promise<() => Promise<void>> {
    const release = await claimEnginesDir(this.options.dir);
    for (const entry of await readdir(this.options.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dataDir = path.join(this.options.dir, entry.name);
      if (entry.name.startsWith(THROWAWAY)) {
        await this.services(['stop', '--data-dir', dataDir, '--throwaway', 'docker']).catch((err: unknown) => this.options.log(`${dataDir} not deleted: ${messageOf(err)}`));
      } else if (existsSync(path.join(dataDir, 'docker.pid'))) {
        await this.services(['stop', '--data-dir', dataDir, 'docker']).catch(() => undefined);
      }
    }
    return release;
  }

  async acquire(request: EngineRequest): Promise<EngineLease> {
    await this.open();
    const throwaway = request.ephemeral === true;
    for (;;) {
      if (request.signal?.aborted) throw new DrydockError('cancelled', 'Cancelled while waiting for an engine');
      const entry = throwaway ? undefined : this.entries.get(request.repo);
      if (entry) return this.lease(entry);
      if (this.entries.size + this.stopping < this.options.maxEngines) return this.lease(this.startEntry(request.repo, throwaway));
      const idle = [...this.entries.values()].filter((e) => e.leases === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle) await this.stopEntry(idle);
      else await waitFor(this.waiters, request.signal);
    }
  }

  /** Stops every engine (throwaway ones being stopped after their release included), then gives up the directory. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.stopEntry(entry)));
    await Promise.all(this.stops.values());
    const opened = this.opened;
    this.opened = undefined; // a later acquire claims the directory again
    const giveUp = await opened?.catch(() => undefined); // a refused claim has nothing to give up
    await giveUp?.();
  }

  private async lease(entry: Entry): Promise<EngineLease> {
    entry.leases++;
    entry.lastUsed = Date.now();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      entry.leases--;
      entry.lastUsed = Date.now();
      if (entry.throwaway && entry.leases === 0) void this.stopEntry(entry); // never rejects: stop logs its failure
      this.waiters.splice(0).forEach((wake) => wake());
    };
    try {
      return { engine: (await entry.ready).engine, release };
    } catch (err) {
      if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
      release();
      throw err;
    }
  }

  private startEntry(repo: string, throwaway: boolean): Entry {
    const key = throwaway ? uniqueName((name) => this.entries.has(name) || existsSync(path.join(this.options.dir, name))) : repo;
    const dataDir = throwaway ? path.join(this.options.dir, key) : engineDataDir(this.options.dir, repo);
    const name = `${throwaway ? 'throwaway engine' : 'engine'} for ${repo}`;
    const entry: Entry = { key, repo, throwaway, dataDir, leases: 0, lastUsed: Date.now(), ready: this.start(name, dataDir, throwaway) };
    entry.ready.catch(() => undefined); // the lease that waits on it reports the failure
    this.entries.set(key, entry);
    return entry;
  }

  private async start(name: string, dataDir: string, throwaway: boolean): Promise<{ engine: DockerEngine; slot: SubnetSlot }> {
    await this.stops.get(dataDir);
    const slot = await claimSlot(dataDir);
    const socket = `unix://${dataDir}/docker.sock`;
    const deleted = throwaway ? ['--throwaway'] : [];
    try {
      await this.services(['start', ...this.where(dataDir, slot), '--owner-pid', String(process.pid), '--slot-file', slot.file, ...deleted, 'docker']);
      await this.copyBaseImages(socket);
      const engine = this.options.makeEngine(socket);
      await this.options.check(engine);
      this.options.log(`${name} started (${slot.subnet}, ${dataDir})`);
      return { engine, slot };
    } catch (err) {
      await this.services(['stop', ...this.where(dataDir, slot), ...deleted, 'docker']).catch(() => undefined);
      await slot.release();
      throw new DrydockError('infrastructure', `${name} did not start: ${messageOf(err)}`, { cause: err });
    }
  }

  private async stopEntry(entry: Entry): Promise<void> {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    const stopped = this.stop(entry);
    this.stops.set(entry.dataDir, stopped);
    await stopped;
    if (this.stops.get(entry.dataDir) === stopped) this.stops.delete(entry.dataDir);
  }

  private async stop(entry: Entry): Promise<void> {
    this.stopping++;
    try {
      const { slot } = await entry.ready;
      // the script frees the slot too: a worker killed during the stop leaves it free all the same
      await this.services(['stop', ...this.where(entry.dataDir, slot), '--slot-file', slot.file, ...(entry.throwaway ? ['--throwaway'] : []), 'docker']);
      await slot.release();
      this.options.log(`${entry.throwaway ? 'throwaway engine' : 'engine'} for ${entry.repo} stopped${entry.throwaway ? ', its data deleted' : ''}`);
    } catch (err) {
      // it never started (its lease reported that), or stays in its slot until a later stop (`open` of the next owner)
      this.options.log(`engine for ${entry.repo} (${entry.dataDir}) not stopped: ${messageOf(err)}`);
    } finally {
      this.stopping--;
      this.waiters.splice(0).forEach((wake) => wake());
    }
  }

  private where(dataDir: string, slot: SubnetSlot): string[] {
    return [
      ...['--data-dir', dataDir, '--docker-socket', `${dataDir}/docker.sock`],
      ...['--bridge', slot.bridge, '--docker-subnet', slot.subnet, '--registry-port', String(this.options.registryPort)],
      ...['--build-allow-nets', this.options.buildAllowNets.join(',')],
    ];
  }

  private async services(args: string[]): Promise<void> {
    const result = await runCommand('bash', [this.script, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, keepLines: 20 });
    if (result.exitCode !== 0) throw new Error(`services.sh ${args[0]} exited with ${result.exitCode}: ${result.lines.join('\n')}`);
  }

  /** `docker save | docker load`, streamed, for each base image the source engine has. */
  private async copyBaseImages(target: string): Promise<void> {
    const from = dockerClientEnv(this.options.baseImagesFrom);
    for (const image of BASE_IMAGES) {
      const present = await runCommand(this.options.dockerCli, ['image', 'inspect', image], { env: from, keepLines: 1 });
      if (present.exitCode === 0) await pipe(this.options.dockerCli, ['save', image], from, ['load', '--quiet'], dockerClientEnv(target));
    }
  }
}

/** Until a lease is released or an engine stopped (`waiters` is woken), or `signal` aborts. */
export function waitFor(waiters: Array<() => void>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    waiters.push(resolve);
    signal?.addEventListener('abort', () => resolve(), { once: true }); // the caller's loop sees the abort
  });
}

function uniqueName(taken: (name: string) => boolean): string {
  for (;;) {
    const name = `${THROWAWAY}${randomBytes(4).toString('hex')}`;
    if (!taken(name)) return name;
  }
}

/** Where the repository's engine keeps its data (and its socket, `docker.sock`) under the pool's directory. */
export function engineDataDir(dir: string, repo: string): string {
  return path.join(dir, createHash('sha256').update(repo).digest('hex').slice(0, 12));
}

function pipe(cli: string, fromArgs: string[], fromEnv: NodeJS.ProcessEnv, toArgs: string[], toEnv: NodeJS.ProcessEnv): Promise<void> {
  const save = spawn(cli, fromArgs, { env: fromEnv, stdio: ['ignore', 'pipe', 'ignore'] });
  const load = spawn(cli, toArgs, { env: toEnv, stdio: ['pipe', 'ignore', 'ignore'] });
  save.stdout.pipe(load.stdin);
  load.stdin.on('error', () => undefined); // load died first: its exit code tells
  const exit = (child: ReturnType<typeof spawn>): Promise<number | null> =>
    new Promise((resolve, reject) => child.on('error', reject).on('close', (code) => resolve(code)));
  return Promise.all([exit(save), exit(load)]).then(([saved, loaded]) => {
    if (saved !== 0 || loaded !== 0) throw new Error(`docker ${fromArgs.join(' ')} | docker ${toArgs.join(' ')} exited with ${saved}, ${loaded}`);
  });
}

/** scripts/services.sh of this checkout, from src (ts-jest) or dist alike. */
function servicesScript(): string {
  for (let dir = import.meta.dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const script = path.join(dir, 'scripts', 'services.sh');
    if (existsSync(script)) return script;
  }
  throw new DrydockError('infrastructure', 'scripts/services.sh not found above the worker');
}
