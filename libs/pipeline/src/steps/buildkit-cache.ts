import type { StepCache } from '@drydock/core';

/**
 * Counts BuildKit's cache reuse from its plain progress output: each Dockerfile instruction is a
 * vertex announced as `#N [stage i/n] INSTRUCTION` (or `#N [i/n] …`) and closed by `#N CACHED`
 * when its layer came from the cache. `FROM` is not counted: it makes no layer of its own. Lines of a build's own output (`#N 0.21 …`) never match.
 */
export class BuildKitCacheCounter {
  private readonly steps = new Set<string>();
  private readonly cached = new Set<string>();

  see(line: string): void {
    const header = /^#(\d+) \[[^\]]*\d+\/\d+\] (\S+)/.exec(line);
    // FROM only resolves the base image: what the Dockerfile builds are the instructions after it.
    if (header && header[2].toUpperCase() !== 'FROM') this.steps.add(header[1]);
    const hit = /^#(\d+) CACHED\s*$/.exec(line);
    if (hit) this.cached.add(hit[1]);
  }

  /** Instructions seen and how many of them came from the cache; null when BuildKit showed none. */
  result(): StepCache | null {
    if (this.steps.size === 0) return null;
    return { cached: [...this.cached].filter((id) => this.steps.has(id)).length, steps: this.steps.size };
  }
}
