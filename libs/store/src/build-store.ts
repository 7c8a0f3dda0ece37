import type { Build, BuildEvent, BuildRequest, BuildStatus } from '@drydock/core';

/**
 * Build history. One implementation (Kysely) serves SQLite and PostgreSQL.
 * `createBuilds` is atomic: with a delivery id it records the delivery and its builds in
 * one transaction, and a delivery seen before returns the builds it made then with
 * `duplicate: true`. `transition` is a compare-and-set on status, so a cancel and a
 * worker finishing cannot both win. Reads return undefined for unknown ids. Build logs are
 * kept beside the builds by `KyselyLogArchive` (the logs lib's LogArchive port).
 */
export interface BuildStore {
  createBuilds(requests: BuildRequest[], deliveryId?: string): Promise<{ builds: Build[]; duplicate: boolean }>;
  get(id: number): Promise<Build | undefined>;
  list(query: BuildListQuery): Promise<BuildPage>;
  /** Updates when the status is one of `from`; returns the updated build or undefined. */
  transition(id: number, from: readonly BuildStatus[], patch: BuildPatch): Promise<Build | undefined>;
  update(id: number, patch: BuildPatch): Promise<Build>;
  /** Builds stored but not finished: the worker re-queues them after a crash. */
  listUnfinished(): Promise<Build[]>;
  /**
   * How `repo` (owner/name) is cloned, as its latest signed webhook (a push, tag or pull_request
   * build) told; manual builds and rebuilds never count. Undefined for a repository no webhook named.
   */
  knownRepository(repo: string): Promise<KnownRepository | undefined>;
  /**
   * Retention: deletes the stored logs of builds created before `cutoff` (ISO time) and the
   * webhook deliveries received before it; the builds themselves stay. Idempotent.
   */
  pruneBefore(cutoff: string): Promise<{ logs: number; deliveries: number }>;
  /** The clone URLs (distinct) of builds created at or after `since`, or not finished yet: the mirrors still in use. */
  cloneUrlsBuiltSince(since: string): Promise<string[]>;
}

export const BUILD_STORE = Symbol('BuildStore');

export interface KnownRepository {
  cloneUrl: string;
  defaultBranch: string | null;
}

export type BuildPatch = Partial<
  Pick<Build, 'status' | 'sha' | 'steps' | 'images' | 'startedAt' | 'finishedAt' | 'error'>
>;

export interface BuildListQuery {
  repo?: string;
  branch?: string;
  status?: BuildStatus;
  event?: BuildEvent;
  /** A full sha, or a prefix of at least 7 hex digits. */
  sha?: string;
  limit: number;
  /** Opaque; from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface BuildPage {
  items: Build[];
  nextCursor: string | null;
}
