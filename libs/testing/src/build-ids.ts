import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest } from '@drydock/store';
import { testServices } from './test-services.js';

/**
 * Containers are labelled `drydock.build=<id>` on the shared test engine, and the e2e, browser and
 * fault tiers run at once: stacks whose databases all started at build 1 would see, and sweep,
 * each other's containers. So every test database starts its build ids at a random high number.
 */

/** Migrates the database at `url` (SQLite or PostgreSQL) and moves its next build id to a random high number. */
export async function startBuildIdsHigh(url: string): Promise<void> {
  const database = createDatabase(url);
  const next = randomInt(1_000_000, 1_000_000_000);
  try {
    await migrateToLatest(database);
    if (database.dialect === 'sqlite') await sql`insert into sqlite_sequence (name, seq) values ('builds', ${next})`.execute(database.db);
    else await sql`select setval(pg_get_serial_sequence('builds', 'id'), ${next})`.execute(database.db);
  } finally {
    await database.db.destroy();
  }
}

/** A migrated SQLite database whose build ids start at a random high number, for a stack's DATABASE_URL. */
export async function sqliteWithUnusedBuildIds(): Promise<string> {
  const url = `sqlite:${path.join(mkdtempSync(path.join(testServices().dataDir, 'test-db-')), 'drydock.db')}`;
  await startBuildIdsHigh(url);
  return url;
}
