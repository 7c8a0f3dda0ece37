import type { Kysely } from 'kysely';
import { DrydockError } from '@drydock/core';
import type { BuildListQuery } from './build-store.js';
import type { StoreTables } from './schema.js';

export const MAX_PAGE_SIZE = 100;

/**
 * The list query: newest first, keyset-paginated on id (`id < cursor`), so a page is
 * stable when builds are inserted between requests. Fetches one row more than the page
 * to know whether there is a next one. Served by the (repo, id), (status, id) and
 * (repo, branch, id) indexes.
 */
export function listQuery(db: Kysely<StoreTables>, query: BuildListQuery) {
  let q = db.selectFrom('builds').selectAll();
  if (query.repo !== undefined) q = q.where('repo', '=', query.repo);
  if (query.branch !== undefined) q = q.where('branch', '=', query.branch);
  if (query.status !== undefined) q = q.where('status', '=', query.status);
  if (query.event !== undefined) q = q.where('event', '=', query.event);
  if (query.sha !== undefined) q = query.sha.length >= 40 ? q.where('sha', '=', query.sha) : q.where('sha', 'like', `${query.sha.replace(/[^0-9a-f]/g, '')}%`);
  if (query.cursor !== undefined) q = q.where('id', '<', decodeCursor(query.cursor));
  return q.orderBy('id', 'desc').limit(pageSize(query.limit) + 1);
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
