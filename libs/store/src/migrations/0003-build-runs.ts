import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Run ownership on builds (see BuildStore `claim`): the run that owns a `running` build
 * (`run_id`, a uuid; `run_owner`, the worker as `hostname/pid`), its last `heartbeat_at`,
 * and `attempt`, how many runs the build has had. Builds stored before this had no run;
 * a `running` one of them counts as a run whose owner is gone.
 */
export function addBuildRuns(dialect: DialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').addColumn('run_id', 'text').execute();
      await db.schema.alterTable('builds').addColumn('run_owner', 'text').execute();
      await db.schema.alterTable('builds').addColumn('attempt', 'integer', (col) => col.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('builds').addColumn('heartbeat_at', timestamp).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const column of ['heartbeat_at', 'attempt', 'run_owner', 'run_id']) await db.schema.alterTable('builds').dropColumn(column).execute();
    },
  };
}
