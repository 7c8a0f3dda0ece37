import { DrydockError } from '@drydock/core';
import { waitFor, type BuildEngines, type EngineLease, type EngineRequest } from '@drydock/docker';
import { FakeDockerEngine } from './fake-docker-engine.js';

/** `ephemeral` is there on an acquire that asked for a throwaway engine. */
export type EngineEvent = { op: 'acquire' | 'release' | 'start' | 'stop'; repo: string; ephemeral?: boolean };

/**
 * BuildEngines for the unit tier: a FakeDockerEngine per repository (script it with
 * `engineFor(repo)` before the build), the pool's contract kept (at most `maxEngines`
 * running, the least recently used idle one stopped for a new one, `acquire` waiting while
 * all are busy), and every acquire, release, start and stop recorded in `events`.
 * A stopped repository's next engine is a new FakeDockerEngine, as a restarted engine keeps
 * only its disk: scripts set on the old one are carried over.
 */
export class FakeBuildEngines implements BuildEngines {
  readonly events: EngineEvent[] = [];
  /** Repositories whose engine does not start: `acquire` rejects `infrastructure` with this message. */
  readonly failingStarts = new Map<string, string>();
  private readonly engines = new Map<string, { engine: FakeDockerEngine; leases: number; lastUsed: number }>();
  private readonly waiters: Array<() => void> = [];
  private tick = 0;

  constructor(private readonly maxEngines = 4) {}

  /** The repository's engine: the running one, or the one its next `acquire` gets. */
  engineFor(repo: string): FakeDockerEngine {
    let entry = this.engines.get(repo);
    if (!entry) {
      entry = { engine: new FakeDockerEngine(), leases: 0, lastUsed: this.tick++ };
      this.engines.set(repo, entry);
      this.events.push({ op: 'start', repo });
    }
    return entry.engine;
  }

  /** Leases held now, per repository. */
  held(): Record<string, number> {
    return Object.fromEntries([...this.engines].filter(([, e]) => e.leases > 0).map(([repo, e]) => [repo, e.leases]));
  }

  async acquire({ repo, ephemeral, signal }: EngineRequest): Promise<EngineLease> {
    this.events.push({ op: 'acquire', repo, ...(ephemeral ? { ephemeral } : {}) });
    const failure = this.failingStarts.get(repo);
    if (failure !== undefined) throw new DrydockError('infrastructure', failure);
    while (!this.engines.has(repo) && this.engines.size >= this.maxEngines) {
      if (signal?.aborted) throw new DrydockError('cancelled', 'Cancelled while waiting for an engine');
      const idle = [...this.engines].filter(([, e]) => e.leases === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
      if (idle) this.stop(idle[0]);
      else await waitFor(this.waiters, signal);
    }
    const engine = this.engineFor(repo);
    const entry = this.engines.get(repo)!;
    entry.leases++;
    entry.lastUsed = this.tick++;
    let released = false;
    return {
      engine,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        entry.lastUsed = this.tick++;
        this.events.push({ op: 'release', repo });
        this.waiters.splice(0).forEach((wake) => wake());
      },
    };
  }

  async stopAll(): Promise<void> {
    for (const repo of [...this.engines.keys()]) this.stop(repo);
  }

  private stop(repo: string): void {
    this.engines.delete(repo);
    this.events.push({ op: 'stop', repo });
  }
}
