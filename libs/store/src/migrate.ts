import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { DrydockError, messageOf } from '@drydock/core';
import { SQLITE_BUSY_TIMEOUT_MS, waitForDatabase, type Database, type DialectName, type WaitOptions } from './database.js';
import { createBuilds } from './migrations/0001-create-builds.js';
import { addBuildFork } from './migrations/0002-build-fork.js';
import { addBuildRuns } from './migrations/0003-build-runs.js';
import { createReportOutbox } from './migrations/0004-report-outbox.js';
import { addBuildRetryOf } from './migrations/0005-build-retry-of.js';
import { addPullRequests } from './migrations/0006-pull-requests.js';
import { addCheckRuns } from './migrations/0007-check-runs.js';
import { addBuildFacts } from './migrations/0008-build-facts.js';

/**
 * Migrations live in code (not read from disk), so the bundled app carries them. Names sort in
 * order (Kysely runs them sorted by name, whatever the order here). Each one touches its own
 * columns or tables only, so one merged with a lower number than a migration a database already
 * ran still applies (`allowUnorderedMigrations`).
 */
export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-create-builds': createBuilds(this.dialect),
      '0002-build-fork': addBuildFork(),
      '0003-build-runs': addBuildRuns(this.dialect),
      '0004-report-outbox': createReportOutbox(this.dialect),
      '0005-build-retry-of': addBuildRetryOf(),
      '0006-pull-requests': addPullRequests(this.dialect),
      '0007-check-runs': addCheckRuns(this.dialect),
      '0008-build-facts': addBuildFacts(),
    };
  }
}

/**
 * Waits for the database to answer (`waitForDatabase`, with backoff, as long as it takes),
 * then brings the schema up to date, once, however many processes start together on it:
 * - PostgreSQL: Kysely's Migrator holds a session advisory lock (`pg_advisory_lock`) while
 *   it reads which migrations ran and runs the rest, all in one transaction; the tables it
 *   creates first cope with a concurrent creator. The server frees the lock of a session
 *   that dies.
 * - SQLite: Kysely takes no lock across processes (its adapter's lock is a no-op), so two
 *   processes would both run 0001. The whole migration runs inside one `BEGIN IMMEDIATE`
 *   transaction, SQLite's write lock on the file: a second process waits for the first to
 *   commit, then finds nothing left to do. Chosen over a lock file (proper-lockfile) because
 *   the kernel drops the lock the moment its holder dies (no stale lock to time out) and a
 *   migration cut short rolls back whole (SQLite's DDL is transactional), where Kysely would
 *   otherwise leave half a schema. A migration therefore opens no transaction of its own,
 *   and one that rebuilds a table uses `PRAGMA defer_foreign_keys`, not `foreign_keys = OFF`
 *   (a no-op inside a transaction).
 */
export async function migrateToLatest(database: Database, options: WaitOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => new Logger('Database').warn(line));
  await waitForDatabase(database, { ...options, log });
  if (database.dialect === 'sqlite') await holdingSqliteWriteLock(database, log, () => runMigrator(database));
  else await runMigrator(database);
}

async function runMigrator({ db, dialect }: Database): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(dialect), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
  throw new DrydockError('infrastructure', `database migration ${failed} failed: ${messageOf(error)}`, {
    cause: error,
  });
}

/**
 * Runs `run` inside `BEGIN IMMEDIATE … COMMIT` (ROLLBACK when it throws). The lock is polled
 * with the busy timeout off: SQLite's own busy wait would block the event loop meanwhile.
 * Every statement of this process runs inside the transaction (one connection): call it only
 * at start-up, before anything else uses the database.
 */
async function holdingSqliteWriteLock({ db, where }: Database, log: (line: string) => void, run: () => Promise<void>): Promise<void> {
  await sql`pragma busy_timeout = 0`.execute(db);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await sql`begin immediate`.execute(db);
        break;
      } catch (err) {
        if (!isSqliteBusy(err)) throw err;
        if (attempt === 20) log(`waiting for another process to finish migrating ${where}`);
        await sleep(50);
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(db);
  }
  try {
    await run();
  } catch (err) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw err;
  }
  await sql`commit`.execute(db);
}

const isSqliteBusy = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'code' in err && (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_LOCKED');
