import type { Kysely, NotNull } from 'kysely';
import { branchOf, tagOf, type BuildImage } from '@drydock/core';
import { toBuild } from './build-row.js';
import { LATEST_IMAGES_LIMIT, SUMMARY_WINDOW, type BranchImages, type QueueView, type RepoSummary } from './build-store.js';
import { countQuery } from './list-query.js';
import type { StoreTables } from './schema.js';

/**
 * The queries behind `BuildStore.repoSummary` and `queueView`: portable Kysely only (SQLite and
 * PostgreSQL alike), each served by the (repo, id) or (status, id) index; the rate and the
 * median are computed here over at most SUMMARY_WINDOW rows.
 */
export async function repoSummaryQuery(db: Kysely<StoreTables>, repo: string): Promise<RepoSummary | undefined> {
  const builds = await countQuery(db, { repo });
  if (builds === 0) return undefined;
  const [ended, durations, latestImages] = await Promise.all([
    db
      .selectFrom('builds')
      .select('status')
      .where('repo', '=', repo)
      .where('status', 'in', ['success', 'failure', 'error'])
      .orderBy('id', 'desc')
      .limit(SUMMARY_WINDOW)
      .execute(),
    db
      .selectFrom('builds')
      .select(['started_at', 'finished_at'])
      .where('repo', '=', repo)
      .where('status', '=', 'success')
      .where('started_at', 'is not', null)
      .where('finished_at', 'is not', null)
      .orderBy('id', 'desc')
      .limit(SUMMARY_WINDOW)
      .$narrowType<{ started_at: NotNull; finished_at: NotNull }>()
      .execute(),
    latestImagesQuery(db, repo),
  ]);
  const successes = ended.filter((row) => row.status === 'success').length;
  return {
    repo,
    builds,
    successRate: ended.length === 0 ? null : successes / ended.length,
    medianDurationMs: median(durations.map((row) => msOf(row.finished_at) - msOf(row.started_at))),
    latestImages,
  };
}

export async function queueViewQuery(db: Kysely<StoreTables>, limit: number): Promise<QueueView> {
  const size = Math.max(0, Math.trunc(limit));
  const [queued, running, workers] = await Promise.all([
    db.selectFrom('builds').selectAll().where('status', 'in', ['blocked', 'queued']).orderBy('id', 'asc').limit(size).execute(),
    db.selectFrom('builds').selectAll().where('status', '=', 'running').orderBy('id', 'asc').limit(size).execute(),
    db
      .selectFrom('builds')
      .select((eb) => ['run_owner', eb.fn.countAll().as('n')])
      .where('status', '=', 'running')
      .where('run_owner', 'is not', null)
      .groupBy('run_owner')
      .orderBy('run_owner', 'asc')
      .$narrowType<{ run_owner: NotNull }>()
      .execute(),
  ]);
  return {
    queued: queued.map(toBuild),
    running: running.map(toBuild),
    workers: workers.map((row) => ({ owner: row.run_owner, running: Number(row.n) })),
  };
}

/**
 * Per branch or tag, its newest successful build with images. Grouped by ref in SQL; a label
 * can come from up to three refs (`refs/heads/X`, `refs/tags/X`, a plain `X` of an old manual
 * build), so three times the limit of refs are read to still name LATEST_IMAGES_LIMIT labels.
 */
async function latestImagesQuery(db: Kysely<StoreTables>, repo: string): Promise<BranchImages[]> {
  const newestPerRef = await db
    .selectFrom('builds')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('repo', '=', repo)
    .where('status', '=', 'success')
    .where('images', '<>', '[]')
    .where((eb) => eb.or([eb('ref', 'like', 'refs/heads/%'), eb('ref', 'like', 'refs/tags/%'), eb.not(eb('ref', 'like', 'refs/%'))]))
    .groupBy('ref')
    .orderBy((eb) => eb.fn.max('id'), 'desc')
    .limit(LATEST_IMAGES_LIMIT * 3)
    .execute();
  const ids = newestPerRef.map((row) => Number(row.id));
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('builds').select(['id', 'ref', 'images']).where('id', 'in', ids).orderBy('id', 'desc').execute();
  const latest = new Map<string, BranchImages>();
  for (const row of rows) {
    const branch = branchOf(row.ref) ?? tagOf(row.ref);
    if (branch === null || latest.has(branch)) continue;
    latest.set(branch, { branch, buildId: row.id, images: JSON.parse(row.images) as BuildImage[] });
  }
  return [...latest.values()].slice(0, LATEST_IMAGES_LIMIT);
}

/** The middle value (the mean of the two middle ones for an even count), rounded to a whole ms; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2);
}

/** PostgreSQL reads timestamps back as Date, SQLite as the ISO string. */
const msOf = (value: Date | string): number => (value instanceof Date ? value.getTime() : Date.parse(value));
