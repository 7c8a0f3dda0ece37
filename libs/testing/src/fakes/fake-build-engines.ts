import { DrydockError } from '@drydock/core';
import { waitFor, type BuildEngines, type EngineLease, type EngineRequest } from '@drydock/docker';
import { FakeDockerEngine } from './fake-docker-engine.js';

/** `ephemeral: true` on the events of a throwaway engine (absent for a repository's own). */
export type EngineEvent = { op: 'acquire' | 'release' | 'start' | 'stop'; repo: string; ephemeral?: true };

interface Entry {
  repo: string;
  ephemeral: boolean;
  engine: FakeDockerEngine;
  leases: number;
  lastUsed: number;
}

/**
 * BuildEngines for the unit tier: a FakeDockerEngine per repository (script it with
 * `engineFor(repo)` before the build), the pool's contract kept (at most `maxEngines`
 * running, the least recently used idle one stopped for a new one, `acquire` waiting while
 * all are busy), and every acquire, release, start and stop recorded in `events`.
 * A stopped repository's next engine is a new FakeDockerEngine, as a restarted engine keeps
 * only its disk: scripts set on the old one are carried over.
 * An `ephemeral` acquire gets a new engine of its own (script it with `throwawayFor(repo)`
 * first), counted against `maxEngines` and stopped at its release; its events say `ephemeral: true`.
 */
export class FakeBuildEngines implements BuildEngines {
  readonly events: EngineEvent[] = [];
  /** Repositories whose engine does not start: `acquire` rejects `infrastructure` with this message. */
  readonly failingStarts = new Map<string, string>();
  /** Running engines by repository, or by `throwaway-<n>` for throwaway ones. */
  private readonly engines = new Map<string, Entry>();
  private readonly nextThrowaways = new Map<string, FakeDockerEngine>();
  private readonly waiters: Array<() => void> = [];
  private tick = 0;
  private throwaways = 0;

  constructor(private readonly maxEngines = 4) {}

  /** The repository's engine: the running one, or the one its next `acquire` gets. */
  engineFor(repo: string): FakeDockerEngine {
    return this.entryFor(repo, repo, false, () => new FakeDockerEngine()).engine;
  }

  /** The engine the repository's next `ephemeral` acquire gets; each such acquire takes a new one. */
  throwawayFor(repo: string): FakeDockerEngine {
    let engine = this.nextThrowaways.get(repo);
    if (!engine) this.nextThrowaways.set(repo, (engine = new FakeDockerEngine()));
    return engine;
  }

  /** Leases held now, per repository (throwaway engines' included). */
  held(): Record<string, number> {
    const held: Record<string, number> = {};
    for (const e of this.engines.values()) if (e.leases > 0) held[e.repo] = (held[e.repo] ?? 0) + e.leases;
    return held;
  }

  async acquire({ repo, ephemeral, signal }: EngineRequest): Promise<EngineLease> {
    this.events.push({ op: 'acquire', repo, ...marked(ephemeral === true) });
    const failure = this.failingStarts.get(repo);
    if (failure !== undefined) throw new DrydockError('infrastructure', failure);
    const key = ephemeral ? `throwaway-${++this.throwaways}` : repo;
    while (!this.engines.has(key) && this.engines.size >= this.maxEngines) {
      if (signal?.aborted) throw new DrydockError('cancelled', 'Cancelled while waiting for an engine');
      const idle = [...this.engines].filter(([, e]) => e.leases === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
      if (idle) this.stop(idle[0]);
      else await waitFor(this.waiters, signal);
    }
    const entry = ephemeral ? this.entryFor(key, repo, true, () => this.takeThrowaway(repo)) : this.entryFor(key, repo, false, () => new FakeDockerEngine());
    entry.leases++;
    entry.lastUsed = this.tick++;
    let released = false;
    return {
      engine: entry.engine,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        entry.lastUsed = this.tick++;
        this.events.push({ op: 'release', repo, ...marked(entry.ephemeral) });
        if (entry.ephemeral) this.stop(key);
        this.waiters.splice(0).forEach((wake) => wake());
      },
    };
  }

  async stopAll(): Promise<void> {
    for (const key of [...this.engines.keys()]) this.stop(key);
  }

  private entryFor(key: string, repo: string, ephemeral: boolean, make: () => FakeDockerEngine): Entry {
    let entry = this.engines.get(key);
    if (!entry) {
      entry = { repo, ephemeral, engine: make(), leases: 0, lastUsed: this.tick++ };
      this.engines.set(key, entry);
      this.events.push({ op: 'start', repo, ...marked(ephemeral) });
    }
    return entry;
  }

  private takeThrowaway(repo: string): FakeDockerEngine {
    const engine = this.throwawayFor(repo);
    this.nextThrowaways.delete(repo);
    return engine;
  }

  private stop(key: string): void {
    const entry = this.engines.get(key);
    if (!entry) return;
    this.engines.delete(key);
    this.events.push({ op: 'stop', repo: entry.repo, ...marked(entry.ephemeral) });
  }
}

const marked = (ephemeral: boolean): Pick<EngineEvent, 'ephemeral'> => (ephemeral ? { ephemeral: true } : {});
