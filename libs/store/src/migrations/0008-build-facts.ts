import type { Kysely, Migration } from 'kysely';

const COLUMNS = ['title', 'author', 'commit_url', 'compare_url', 'pull_request_url', 'triggered_by'] as const;

/**
 * What a build shows people (see `BuildFacts`): the head commit's `title`, its `author` (JSON
 * text of CommitAuthor), links to the commit, the compare view and the pull request, and who
 * triggered it. All nullable: builds stored before know none of it.
 */
export function addBuildFacts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const column of COLUMNS) await db.schema.alterTable('builds').addColumn(column, 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const column of [...COLUMNS].reverse()) await db.schema.alterTable('builds').dropColumn(column).execute();
    },
  };
}
