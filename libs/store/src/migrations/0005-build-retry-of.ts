import type { Kysely, Migration } from 'kysely';

/**
 * A retry of a failed build (see `BuildRequest.retryOf`): `retry_of`, the build it resumes (no
 * foreign key, so the column can be dropped again on SQLite), and `kept_images`, JSON text of
 * the images a build kept in the registry for its retry (`KeptImage[]`). Builds stored before
 * this were no retries and kept nothing.
 */
export function addBuildRetryOf(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').addColumn('retry_of', 'integer').execute();
      await db.schema.alterTable('builds').addColumn('kept_images', 'text', (col) => col.notNull().defaultTo('[]')).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const column of ['kept_images', 'retry_of']) await db.schema.alterTable('builds').dropColumn(column).execute();
    },
  };
}
