import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DrydockError, messageOf } from '@drydock/core';
import type { BuildEngines, EngineLease, EngineRequest } from './build-engines.js';
import { dockerClientEnv } from './client-env.js';
import type { DockerEngine } from './docker-engine.js';
import { runCommand } from './run-command.js';
import { claimSlot, type SubnetSlot } from './subnet-slots.js';

/** Copied into every new engine from the base-images engine, when that one has them. */
const BASE_IMAGES = ['busybox:latest', 'debian:bookworm-slim'];

export interface ScriptBuildEnginesOptions {
  /** DRYDOCK_ENGINES_DIR: one data root per repository below it (`<dir>/<hash>`), kept while its engine is stopped. */
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
  repo: string;
  dataDir: string;
  leases: number;
  lastUsed: number;
  ready: Promise<{ engine: DockerEngine; slot: SubnetSlot }>;
}

/**
 * Engines started with scripts/services.sh, one per repository, each in its own network box
 * (namespace, bridge, firewall rules: the same as the engine `npm run up` starts) and its own
 * data root. See `BuildEngines` for the lifecycle; subnets come from machine-wide slots
 * (subnet-slots.ts) so parallel workers and test stacks never collide.
 */
export class ScriptBuildEngines implements BuildEngines {
  private readonly entries = new Map<string, Entry>();
  private readonly waiters: Array<() => void> = [];
  private stopping = 0;
  /** Stops under way, by data dir: the repository's next engine starts once its last one is down. */
  private readonly stops = new Map<string, Promise<void>>();
  private readonly script = servicesScript();

  constructor(private readonly options: ScriptBuildEnginesOptions) {}

  /** Stops engines a crashed earlier process left in the directory (their data stays). */
  async stopLeftovers(): Promise<void> {
    const names = await readdir(this.options.dir).catch(() => [] as string[]);
    for (const name of names) {
      const dataDir = path.join(this.options.dir, name);
      if (existsSync(path.join(dataDir, 'docker.pid'))) await this.services(['stop', '--data-dir', dataDir, 'docker']).catch(() => undefined);
    }
  }

  async acquire(request: EngineRequest): Promise<EngineLease> {
    for (;;) {
      if (request.signal?.aborted) throw new DrydockError('cancelled', 'Cancelled while waiting for an engine');
      const entry = this.entries.get(request.repo);
      if (entry) return this.lease(entry);
      if (this.entries.size + this.stopping < this.options.maxEngines) return this.lease(this.startEntry(request.repo));
      const idle = [...this.entries.values()].filter((e) => e.leases === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle) await this.stopEntry(idle);
      else await waitFor(this.waiters, request.signal);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.stopEntry(entry)));
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
      this.waiters.splice(0).forEach((wake) => wake());
    };
    try {
      return { engine: (await entry.ready).engine, release };
    } catch (err) {
      release();
      if (this.entries.get(entry.repo) === entry) this.entries.delete(entry.repo);
      throw err;
    }
  }

  private startEntry(repo: string): Entry {
    const dataDir = engineDataDir(this.options.dir, repo);
    const entry: Entry = { repo, dataDir, leases: 0, lastUsed: Date.now(), ready: this.start(repo, dataDir) };
    entry.ready.catch(() => undefined); // the lease that waits on it reports the failure
    this.entries.set(repo, entry);
    return entry;
  }

  private async start(repo: string, dataDir: string): Promise<{ engine: DockerEngine; slot: SubnetSlot }> {
    await this.stops.get(dataDir);
    const slot = await claimSlot(dataDir);
    const socket = `unix://${dataDir}/docker.sock`;
    try {
      await this.services(['start', ...this.where(dataDir, slot), 'docker']);
      await this.copyBaseImages(socket);
      const engine = this.options.makeEngine(socket);
      await this.options.check(engine);
      this.options.log(`engine for ${repo} started (${slot.subnet}, ${dataDir})`);
      return { engine, slot };
    } catch (err) {
      await this.services(['stop', ...this.where(dataDir, slot), 'docker']).catch(() => undefined);
      await slot.release();
      throw new DrydockError('infrastructure', `engine for ${repo} did not start: ${messageOf(err)}`, { cause: err });
    }
  }

  private async stopEntry(entry: Entry): Promise<void> {
    if (this.entries.get(entry.repo) !== entry) return;
    this.entries.delete(entry.repo);
    const stopped = this.stop(entry);
    this.stops.set(entry.dataDir, stopped);
    await stopped;
    if (this.stops.get(entry.dataDir) === stopped) this.stops.delete(entry.dataDir);
  }

  private async stop(entry: Entry): Promise<void> {
    this.stopping++;
    try {
      const { slot } = await entry.ready;
      await this.services(['stop', ...this.where(entry.dataDir, slot), 'docker']);
      await slot.release();
      this.options.log(`engine for ${entry.repo} stopped`);
    } catch (err) {
      // it never started (its lease reported that), or stays in its slot until a later stop (stopLeftovers)
      this.options.log(`engine for ${entry.repo} not stopped: ${messageOf(err)}`);
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
