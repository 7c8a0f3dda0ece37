import type { Kysely } from 'kysely';
import type { LogArchive } from '@drydock/logs';
import type { StoreTables } from './schema.js';

/** LogArchive in the build database (one row per build, replaced on a retry). Does not own `db`. */
export class KyselyLogArchive implements LogArchive {
  constructor(private readonly db: Kysely<StoreTables>) {}

  async save(buildId: number, text: string): Promise<void> {
    await this.db
      .insertInto('build_logs')
      .values({ build_id: buildId, text })
      .onConflict((oc) => oc.column('build_id').doUpdateSet({ text: (eb) => eb.ref('excluded.text') }))
      .execute();
  }

  async read(buildId: number): Promise<string | undefined> {
    const row = await this.db.selectFrom('build_logs').select('text').where('build_id', '=', buildId).executeTakeFirst();
    return row?.text;
  }
}
