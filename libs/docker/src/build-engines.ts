import { DrydockError } from '@drydock/core';
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
 * per repository, at most `DRYDOCK_MAX_ENGINES` running. An `ephemeral` request gets a new
 * engine of its own, never handed to another acquire (not even of the same repository), counted
 * against the same maximum, and stopped with its data deleted once released. When a new one is
 * needed and all slots are taken, an idle engine (no lease) is stopped, least recently used
 * first; when every engine is busy, `acquire` waits until a lease is released. A repository
 * engine's data (layer cache, cache mounts) stays on disk while it is stopped, so the
 * repository finds it again. `stopAll` stops every engine this pool started (the worker's
 * shutdown). `ScriptBuildEngines` owns its directory alone (a second live pool on it is refused),
 * stops what a crashed earlier owner left there when it opens, and its engines stop themselves
 * once the process that started them is gone.
 * Rejects with `DrydockError('infrastructure')` when an engine cannot be started.
 *
 * `SingleBuildEngines` is the degenerate pool: the operator's one engine (DOCKER_HOST) for
 * every repository, which then share its cache (SECURITY.md); it has no throwaway engines.
 */
export interface BuildEngines {
  acquire(request: EngineRequest): Promise<EngineLease>;
  stopAll(): Promise<void>;
}

export const BUILD_ENGINES = Symbol('BuildEngines');

/** Every repository on the one engine it is given; nothing is started or stopped. Refuses `ephemeral` requests. */
export class SingleBuildEngines implements BuildEngines {
  constructor(private readonly engine: DockerEngine) {}

  async acquire(request: EngineRequest): Promise<EngineLease> {
    if (request.ephemeral) {
      throw new DrydockError('forbidden', 'fork builds need a throwaway engine, which only a per-repository engine pool gives: set DRYDOCK_ENGINES_DIR');
    }
    return { engine: this.engine, release: () => undefined };
  }

  async stopAll(): Promise<void> {}
}
