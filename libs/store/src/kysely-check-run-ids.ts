import type { Kysely } from 'kysely';
import { nowIso } from '@drydock/core';
import type { CheckRunIds } from '@drydock/github';
import type { StoreTables } from './schema.js';

/** CheckRunIds on Kysely (SQLite, PostgreSQL). Does not own `db`. */
export class KyselyCheckRunIds implements CheckRunIds {
  constructor(private readonly db: Kysely<StoreTables>) {}

  async idOf(buildId: number, context: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('check_runs')
      .select('check_run_id')
      .where('build_id', '=', buildId)
      .where('context', '=', context)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.check_run_id);
  }

  async save(buildId: number, context: string, checkRunId: number): Promise<void> {
    await this.db
      .insertInto('check_runs')
      .values({ build_id: buildId, context, check_run_id: checkRunId, created_at: nowIso() })
      .onConflict((oc) => oc.columns(['build_id', 'context']).doUpdateSet({ check_run_id: checkRunId }))
      .execute();
  }
}
