import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * report_outbox: the GitHub updates waiting to be sent, and what became of them (see ReportOutbox).
 * `sequence` is the order they were stored in. One index finds the waiting entries that are due,
 * the other the newer entries of a commit and context (superseding) and a commit's history.
 * No foreign key to builds: an entry outlives nothing it needs, and retention prunes it on its own.
 */
export function createReportOutbox(dialect: DialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('report_outbox')
        .addColumn('sequence', 'integer', (col) =>
          dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement(),
        )
        .addColumn('build_id', 'integer', (col) => col.notNull())
        .addColumn('repo', 'text', (col) => col.notNull())
        .addColumn('sha', 'text', (col) => col.notNull())
        .addColumn('context', 'text', (col) => col.notNull())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('target_url', 'text', (col) => col.notNull())
        .addColumn('created_at', timestamp, (col) => col.notNull())
        .addColumn('outcome', 'text')
        .addColumn('delivered_at', timestamp)
        .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('next_attempt_at', timestamp, (col) => col.notNull())
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('report_outbox_waiting').on('report_outbox').columns(['outcome', 'next_attempt_at']).execute();
      await db.schema.createIndex('report_outbox_commit').on('report_outbox').columns(['repo', 'sha', 'context', 'sequence']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('report_outbox').execute();
    },
  };
}
