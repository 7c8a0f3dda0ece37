import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { DrydockError, messageOf } from '@drydock/core';
import type { StoreTables } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** A Kysely instance and the dialect behind it (migrations differ slightly per dialect). */
export interface Database {
  db: Kysely<StoreTables>;
  dialect: DialectName;
  /** Where it is, for log lines and errors, never with credentials: `PostgreSQL at db:5432/drydock`, `the SQLite file data/drydock.db`. */
  where: string;
}

/** How long a SQLite statement waits for another process's write lock before it fails with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * `sqlite:<path>` (relative or absolute; `sqlite::memory:` for a throwaway database)
 * or `postgres://…` / `postgresql://…`. Nothing is connected yet (`waitForDatabase` does).
 * The caller owns the result: `db.destroy()` closes it.
 */
export function createDatabase(databaseUrl: string): Database {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = sqlitePathOf(databaseUrl);
    const where = file === ':memory:' ? 'an in-memory SQLite database' : `the SQLite file ${file}`;
    return { db: new Kysely<StoreTables>({ dialect: sqliteDialect(file) }), dialect: 'sqlite', where };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // A server that accepts TCP but never answers (stopped, partitioned) fails a connect after 10 s instead of holding it forever.
    const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
    // A connection dropped by the server must not crash the process: the pool only listens on idle ones, so a
    // connection held by a transaction or a claim gets its own listener. A running query still fails with the error.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return { db: new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', where: postgresWhere(databaseUrl) };
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

/** `postgres://u:p@db:5432/drydock` -> `PostgreSQL at db:5432/drydock` (the user and password left out). */
function postgresWhere(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `PostgreSQL at ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname.length > 1 ? url.pathname : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}

function sqliteDialect(file: string): SqliteDialect {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // The busy timeout first: switching a new file to WAL takes a lock that another process
  // opening it at the same moment may hold.
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // WAL lets the API read while a worker writes.
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk (the WAL synced) before it returns, so a 202 means the build
  // survives a power cut, not only a crash of the process.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  return new SqliteDialect({ database: sqlite });
}

/** A primary-key or unique violation, as either driver reports it. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const { code } = err;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Network errors and server states that mean "not up yet, ask again": refused, unreachable, starting up. */
const TRANSIENT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (yet)',
  EPIPE: 'connection closed',
  '57P03': 'the server is starting up', // cannot_connect_now
  '57P01': 'the server is shutting down', // admin_shutdown
  '53300': 'too many connections',
  SQLITE_BUSY: 'locked by another process',
};

/**
 * What makes the database unavailable right now, in a few words ("connection refused"), when
 * the problem may pass by itself; undefined for any other error (a wrong password, a missing
 * database), which waiting would not fix. Also says why a webhook could not be stored.
 */
export function transientProblem(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code in TRANSIENT_CODES) return TRANSIENT_CODES[code];
  const message = messageOf(err);
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(message)) return message;
  return undefined;
}

export interface WaitOptions {
  /** Told each failed attempt ("waiting for PostgreSQL at db:5432: connection refused, retrying in 2s"). */
  log?: (line: string) => void;
  /** Pauses between attempts in ms; the last repeats for good. Default 0.5 s doubling to 5 s. */
  delaysMs?: number[];
}

export const DEFAULT_DELAYS_MS = [500, 1000, 2000, 4000, 5000];

/**
 * Resolves once the database answers `select 1`. While it is unavailable for a reason that
 * may pass (`transientProblem`: refused, unreachable, starting up) it waits and asks again
 * with backoff, for as long as it takes, saying so through `log`; any other error rejects at once.
 */
export async function waitForDatabase(database: Database, { log = () => undefined, delaysMs = DEFAULT_DELAYS_MS }: WaitOptions = {}): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`select 1`.execute(database.db);
      if (attempt > 0) log(`${database.where} answers`);
      return;
    } catch (err) {
      const problem = transientProblem(err);
      if (problem === undefined) throw new DrydockError('infrastructure', `cannot use ${database.where}: ${messageOf(err)}`, { cause: err });
      const delay = delaysMs[Math.min(attempt, delaysMs.length - 1)];
      log(`waiting for ${database.where}: ${problem}, retrying in ${formatDelay(delay)}`);
      await sleep(delay);
    }
  }
}

/** 500 -> `0.5s`, 2000 -> `2s`. */
export const formatDelay = (ms: number): string => `${Number((ms / 1000).toFixed(1))}s`;
