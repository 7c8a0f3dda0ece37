import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

/** builds, build_logs, deliveries and the indexes of the list query (id desc is the PK). */
export function createBuilds(dialect: DialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('builds')
        .addColumn('id', 'integer', (col) =>
          dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement(),
        )
        .addColumn('repo', 'text', (col) => col.notNull())
        .addColumn('clone_url', 'text', (col) => col.notNull())
        .addColumn('ref', 'text', (col) => col.notNull())
        .addColumn('branch', 'text')
        .addColumn('sha', 'text')
        .addColumn('event', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('default_branch', 'text')
        .addColumn('rebuild_of', 'integer', (col) => col.references('builds.id').onDelete('set null'))
        .addColumn('steps', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('images', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('error', 'text')
        .addColumn('created_at', timestamp, (col) => col.notNull())
        .addColumn('started_at', timestamp)
        .addColumn('finished_at', timestamp)
        .execute();
      await db.schema.createIndex('builds_repo_id').on('builds').columns(['repo', 'id']).execute();
      await db.schema.createIndex('builds_status_id').on('builds').columns(['status', 'id']).execute();
      await db.schema.createIndex('builds_repo_branch_id').on('builds').columns(['repo', 'branch', 'id']).execute();

      await db.schema
        .createTable('build_logs')
        .addColumn('build_id', 'integer', (col) => col.primaryKey().references('builds.id').onDelete('cascade'))
        .addColumn('text', 'text', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('delivery_id', 'text', (col) => col.primaryKey())
        .addColumn('build_ids', 'text', (col) => col.notNull())
        .addColumn('received_at', timestamp, (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('deliveries').execute();
      await db.schema.dropTable('build_logs').execute();
      await db.schema.dropTable('builds').execute();
    },
  };
}
