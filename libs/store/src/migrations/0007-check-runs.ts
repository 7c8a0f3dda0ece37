import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * GitHub App mode (see `CheckRunReport`): report_outbox entries may be check runs
 * (`check_status`, `check_conclusion`, `installation_id`, `check_summary`; null for a commit
 * status), and `check_runs` keeps the id GitHub gave each build's run of a context, so later
 * updates change that run.
 */
export function addCheckRuns(dialect: DialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('report_outbox').addColumn('check_status', 'text').execute();
      await db.schema.alterTable('report_outbox').addColumn('check_conclusion', 'text').execute();
      await db.schema.alterTable('report_outbox').addColumn('installation_id', 'bigint').execute();
      await db.schema.alterTable('report_outbox').addColumn('check_summary', 'text').execute();
      await db.schema
        .createTable('check_runs')
        .addColumn('build_id', 'integer', (col) => col.notNull())
        .addColumn('context', 'text', (col) => col.notNull())
        .addColumn('check_run_id', 'bigint', (col) => col.notNull())
        .addColumn('created_at', timestamp, (col) => col.notNull())
        .addPrimaryKeyConstraint('check_runs_pk', ['build_id', 'context'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('check_runs').execute();
      for (const column of ['check_summary', 'installation_id', 'check_conclusion', 'check_status']) await db.schema.alterTable('report_outbox').dropColumn(column).execute();
    },
  };
}
