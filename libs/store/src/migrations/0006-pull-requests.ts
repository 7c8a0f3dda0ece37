import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Pull requests and GitHub Apps (see `Build`): `pull_request` (its number), `installation_id`
 * (the App installation the webhook came from), `before_sha` (what `.drydock.yml` `paths` compare
 * against) and `approved_by` (who let a fork's `blocked` build run). `repo_settings` keeps what a
 * repository's latest `.drydock.yml` said that the API needs before any clone (`supersede`).
 */
export function addPullRequests(dialect: DialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').addColumn('pull_request', 'integer').execute();
      await db.schema.alterTable('builds').addColumn('installation_id', 'bigint').execute();
      await db.schema.alterTable('builds').addColumn('before_sha', 'text').execute();
      await db.schema.alterTable('builds').addColumn('approved_by', 'text').execute();
      await db.schema.createIndex('builds_repo_pull_request').on('builds').columns(['repo', 'pull_request']).execute();
      await db.schema.createIndex('builds_repo_sha').on('builds').columns(['repo', 'sha']).execute();
      await db.schema
        .createTable('repo_settings')
        .addColumn('repo', 'text', (col) => col.primaryKey())
        .addColumn('supersede', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('updated_at', timestamp, (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('repo_settings').execute();
      await db.schema.dropIndex('builds_repo_sha').execute();
      await db.schema.dropIndex('builds_repo_pull_request').execute();
      for (const column of ['approved_by', 'before_sha', 'installation_id', 'pull_request']) await db.schema.alterTable('builds').dropColumn(column).execute();
    },
  };
}
