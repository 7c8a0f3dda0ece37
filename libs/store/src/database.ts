import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { DrydockError } from '@drydock/core';
import type { StoreTables } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** A Kysely instance and the dialect behind it (migrations differ slightly per dialect). */
export interface Database {
  db: Kysely<StoreTables>;
  dialect: DialectName;
}

/**
 * `sqlite:<path>` (relative or absolute; `sqlite::memory:` for a throwaway database)
 * or `postgres://…` / `postgresql://…`. The caller owns the result: `db.destroy()` closes it.
 */
export function createDatabase(databaseUrl: string): Database {
  if (databaseUrl.startsWith('sqlite:')) {
    return { db: new Kysely<StoreTables>({ dialect: sqliteDialect(sqlitePathOf(databaseUrl)) }), dialect: 'sqlite' };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const pool = new pg.Pool({ connectionString: databaseUrl });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return { db: new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
  }
  throw new DrydockError(
    'infrastructure',
    `DATABASE_URL must start with sqlite: or postgres://, got "${databaseUrl.split(':')[0]}:…"`,
  );
}

/** `sqlite:data/x.db` -> `data/x.db`; `sqlite:///abs/x.db` -> `/abs/x.db`. */
function sqlitePathOf(databaseUrl: string): string {
  const rest = databaseUrl.slice('sqlite:'.length);
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

function sqliteDialect(file: string): SqliteDialect {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets the API read while a worker writes; busy_timeout waits out the other process's lock.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new SqliteDialect({ database: sqlite });
}

/** A primary-key or unique violation, as either driver reports it. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const { code } = err;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
