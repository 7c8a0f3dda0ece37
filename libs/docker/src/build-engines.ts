import type { DockerEngine } from './docker-engine.js';

/** What a build asks the pool for: the repository's own engine, or a throwaway one for untrusted code (fork pull requests). */
export interface EngineRequest {
  /** `owner/name`: builds of one repository share an engine (its layer cache and cache mounts), no other repository does. */
  repo: string;
  /**
   * `true`: a throwaway engine that starts empty (base images only), is seen by no other build,
   * and is stopped with all its data deleted on `release` (a fork pull request: GitHub's
   * read-only cache for forks). A pool that cannot give one rejects with `DrydockError('forbidden')`.
   */
  ephemeral?: boolean;
  /** Aborting it ends a wait for a busy pool: `acquire` rejects with `DrydockError('cancelled')`. */
  signal?: AbortSignal;
}

/** One build's hold on an engine; `release` once the build has cleaned up (idempotent). */
export interface EngineLease {
  engine: DockerEngine;
  release(): void;
}

/**
 * The engines builds run on.
 *
 * Lifecycle: `acquire` hands out the repository's engine, starting it on demand; one engine
 * per repository, at most `DRYDOCK_MAX_ENGINES` running. When a new one is needed and all
 * slots are taken, an idle engine (no lease) is stopped, least recently used first; when
 * every engine is busy, `acquire` waits until a lease is released. An engine's data (layer
 * cache, cache mounts) stays on disk while it is stopped, so the repository finds it again.
 * `stopAll` stops every engine this pool started (the worker's shutdown); a pool may also stop
 * engines a crashed earlier process left in its directory when it starts.
 * Rejects with `DrydockError('infrastructure')` when an engine cannot be started.
 *
 * `SingleBuildEngines` is the degenerate pool: the operator's one engine (DOCKER_HOST) for
 * every repository, which then share its cache (SECURITY.md).
 */
export interface BuildEngines {
  acquire(request: EngineRequest): Promise<EngineLease>;
  stopAll(): Promise<void>;
}

export const BUILD_ENGINES = Symbol('BuildEngines');

/** Every repository on the one engine it is given; nothing is started or stopped. */
export class SingleBuildEngines implements BuildEngines {
  constructor(private readonly engine: DockerEngine) {}

  async acquire(): Promise<EngineLease> {
    return { engine: this.engine, release: () => undefined };
  }

  async stopAll(): Promise<void> {}
}
