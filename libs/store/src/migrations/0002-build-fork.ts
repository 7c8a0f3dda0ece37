import type { Kysely, Migration } from 'kysely';

/**
 * builds.fork: 1 when the build's code comes from a fork (untrusted: throwaway engine, never pushed).
 * An integer 0/1 on both dialects (SQLite has no boolean), so one row mapping serves both;
 * builds stored before this migration were not forks.
 */
export function addBuildFork(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').addColumn('fork', 'integer', (col) => col.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').dropColumn('fork').execute();
    },
  };
}
