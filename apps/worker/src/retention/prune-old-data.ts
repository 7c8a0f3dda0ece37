import type { BuildStore } from '@drydock/store';

export interface PruneDeps {
  store: Pick<BuildStore, 'pruneBefore' | 'cloneUrlsBuiltSince'>;
  /** Removes the mirrors not in `keep` and unused since the cutoff (`pruneMirrors` bound to the data dir). */
  pruneMirrors: (keep: readonly string[], unusedSince: Date) => Promise<string[]>;
  now: () => Date;
}

export interface PruneReport {
  cutoff: string;
  logs: number;
  deliveries: number;
  mirrors: number;
}

/**
 * Retention (`DRYDOCK_RETENTION_DAYS`): stored logs of builds older than the cutoff and webhook
 * deliveries received before it are deleted; mirrors of repositories not built since are
 * removed. Build records stay. Idempotent; safe to run from several workers at once.
 */
export async function pruneOldData(retentionDays: number, deps: PruneDeps): Promise<PruneReport> {
  const cutoff = new Date(deps.now().getTime() - retentionDays * 24 * 3600 * 1000);
  const { logs, deliveries } = await deps.store.pruneBefore(cutoff.toISOString());
  const inUse = await deps.store.cloneUrlsBuiltSince(cutoff.toISOString());
  const mirrors = await deps.pruneMirrors(inUse, cutoff);
  return { cutoff: cutoff.toISOString(), logs, deliveries, mirrors: mirrors.length };
}
