import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { DrydockError } from '@drydock/core';
import type { BuildFilter, BuildListQuery } from './build-store.js';
import type { StoreTables } from './schema.js';

export const MAX_PAGE_SIZE = 100;

/**
 * The list query: newest first, keyset-paginated on id (`id < cursor`), so a page is
 * stable when builds are inserted between requests. Fetches one row more than the page
 * to know whether there is a next one. Served by the (repo, id), (status, id) and
 * (repo, branch, id) indexes.
 */
export function listQuery(db: Kysely<StoreTables>, query: BuildListQuery) {
  let q = filtered(db.selectFrom('builds').selectAll(), query);
  if (query.cursor !== undefined) q = q.where('id', '<', decodeCursor(query.cursor));
  return q.orderBy('id', 'desc').limit(pageSize(query.limit) + 1);
}

/** How many builds match the filter. */
export async function countQuery(db: Kysely<StoreTables>, filter: BuildFilter): Promise<number> {
  const row = await filtered(db.selectFrom('builds').select((eb) => eb.fn.countAll().as('n')), filter).executeTakeFirstOrThrow();
  return Number(row.n);
}

function filtered<Q extends SelectQueryBuilder<StoreTables, 'builds', object>>(q: Q, filter: BuildFilter): Q {
  let f = q as SelectQueryBuilder<StoreTables, 'builds', object>;
  if (filter.repo !== undefined) f = f.where('repo', '=', filter.repo);
  if (filter.branch !== undefined) f = f.where('branch', '=', filter.branch);
  if (filter.status !== undefined) f = f.where('status', '=', filter.status);
  if (filter.statuses !== undefined) f = filter.statuses.length === 0 ? f.where(sql<boolean>`1 = 0`) : f.where('status', 'in', filter.statuses);
  if (filter.event !== undefined) f = f.where('event', '=', filter.event);
  if (filter.sha !== undefined) f = filter.sha.length >= 40 ? f.where('sha', '=', filter.sha) : f.where('sha', 'like', `${filter.sha.replace(/[^0-9a-f]/g, '')}%`);
  return f as Q;
}

export function pageSize(limit: number): number {
  if (!Number.isFinite(limit)) return MAX_PAGE_SIZE;
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE_SIZE);
}

export function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId)).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const id = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isSafeInteger(id) || id < 1) throw new DrydockError('invalid_request', `invalid cursor "${cursor}"`);
  return id;
}
