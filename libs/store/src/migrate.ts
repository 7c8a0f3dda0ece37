import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { DrydockError, messageOf } from '@drydock/core';
import type { Database, DialectName } from './database.js';
import { createBuilds } from './migrations/0001-create-builds.js';
import { addBuildFork } from './migrations/0002-build-fork.js';
import { addBuildRuns } from './migrations/0003-build-runs.js';
import { createReportOutbox } from './migrations/0004-report-outbox.js';

/** Migrations live in code (not read from disk), so the bundled app carries them. Names sort in order. */
export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-create-builds': createBuilds(this.dialect),
      '0002-build-fork': addBuildFork(),
      '0003-build-runs': addBuildRuns(this.dialect),
      '0004-report-outbox': createReportOutbox(this.dialect),
    };
  }
}

/** Brings the schema up to date; safe to run from several processes at once (Kysely takes a lock). */
export async function migrateToLatest({ db, dialect }: Database): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
  throw new DrydockError('infrastructure', `database migration ${failed} failed: ${messageOf(error)}`, {
    cause: error,
  });
}
