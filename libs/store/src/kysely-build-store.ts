import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { DrydockError, nowIso, type Build, type BuildEvent, type BuildRequest, type BuildStatus } from '@drydock/core';
import { newBuildRow, patchRow, toBuild, toBuildWithRun } from './build-row.js';
import type { BuildFilter, BuildListQuery, BuildPage, BuildPatch, BuildStore, BuildWithRun, ClaimRefusal, KnownRepository, QueueView, RepoSettings, RepoSummary, RunOwner } from './build-store.js';
import { isUniqueViolation } from './database.js';
import { countQuery, encodeCursor, listQuery, pageSize } from './list-query.js';
import { queueViewQuery, repoSummaryQuery } from './overview-queries.js';
import type { StoreTables } from './schema.js';

/** BuildStore on Kysely: the same queries on SQLite and PostgreSQL. Does not own `db`. */
export class KyselyBuildStore implements BuildStore {
  private readonly onPostgres: boolean;

  constructor(private readonly db: Kysely<StoreTables>) {
    this.onPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  async createBuilds(
    requests: BuildRequest[],
    deliveryId?: string,
  ): Promise<{ builds: Build[]; duplicate: boolean }> {
    if (deliveryId === undefined) {
      const builds = await this.db.transaction().execute((trx) => insertBuilds(trx, requests));
      return { builds, duplicate: false };
    }
    try {
      const builds = await this.db.transaction().execute(async (trx) => {
        // The delivery row goes first: a concurrent insert of the same id waits on, then fails against, its PK.
        await trx
          .insertInto('deliveries')
          .values({ delivery_id: deliveryId, build_ids: '[]', received_at: nowIso() })
          .execute();
        const created = await insertBuilds(trx, requests);
        await trx
          .updateTable('deliveries')
          .set({ build_ids: JSON.stringify(created.map((b) => b.id)) })
          .where('delivery_id', '=', deliveryId)
          .execute();
        return created;
      });
      return { builds, duplicate: false };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return { builds: await this.buildsOfDelivery(deliveryId), duplicate: true };
    }
  }

  async get(id: number): Promise<Build | undefined> {
    const row = await this.db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBuild(row);
  }

  async list(query: BuildListQuery): Promise<BuildPage> {
    const rows = await listQuery(this.db, query).execute();
    const size = pageSize(query.limit);
    const items = rows.slice(0, size).map(toBuild);
    const nextCursor = rows.length > size ? encodeCursor(items[items.length - 1].id) : null;
    return { items, nextCursor };
  }

  count(filter: BuildFilter): Promise<number> {
    return countQuery(this.db, filter);
  }

  async transition(id: number, from: readonly BuildStatus[], patch: BuildPatch, runId?: string): Promise<Build | undefined> {
    if (from.length === 0) return undefined;
    let query = this.db.updateTable('builds').set(patchRow(patch)).where('id', '=', id).where('status', 'in', from);
    if (runId !== undefined) query = query.where('run_id', '=', runId);
    const row = await query.returningAll().executeTakeFirst();
    return row && toBuild(row);
  }

  async claim(id: number, run: RunOwner, patch: BuildPatch, repoConcurrency: number): Promise<BuildWithRun | ClaimRefusal> {
    return this.db.transaction().execute(async (trx) => {
      // PostgreSQL (read committed) would let two claims both count the same running builds:
      // they take turns per repository. SQLite has one writer at a time anyway.
      if (this.onPostgres) await sql`select pg_advisory_xact_lock(${sql.lit(CLAIM_LOCK)}, hashtext(repo)) from builds where id = ${id}`.execute(trx);
      const row = await trx
        .updateTable('builds')
        .set((eb) => ({ ...patchRow(patch), status: 'running', ...runColumns(run), attempt: eb('attempt', '+', 1) }))
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .where((eb) =>
          eb(
            eb.selectFrom('builds as running').select((r) => r.fn.countAll().as('n')).whereRef('running.repo', '=', 'builds.repo').where('running.status', '=', 'running'),
            '<',
            repoConcurrency,
          ),
        )
        .where((eb) =>
          eb.not(
            eb.exists(
              eb.selectFrom('builds as older').select('older.id').whereRef('older.repo', '=', 'builds.repo').where('older.status', '=', 'queued').whereRef('older.id', '<', 'builds.id'),
            ),
          ),
        )
        .returningAll()
        .executeTakeFirst();
      if (row) return toBuildWithRun(row);
      const now = await trx.selectFrom('builds').select('status').where('id', '=', id).executeTakeFirst();
      return now?.status === 'queued' ? 'repo_busy' : 'not_queued';
    });
  }

  async takeOver(id: number, fromRunId: string | null, run: RunOwner): Promise<BuildWithRun | undefined> {
    const row = await this.db
      .updateTable('builds')
      .set(runColumns(run))
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where((eb) => (fromRunId === null ? eb('run_id', 'is', null) : eb('run_id', '=', fromRunId)))
      .returningAll()
      .executeTakeFirst();
    return row && toBuildWithRun(row);
  }

  async updateRun(id: number, runId: string, patch: BuildPatch): Promise<Build | undefined> {
    const row = await this.db
      .updateTable('builds')
      .set({ ...patchRow(patch), heartbeat_at: nowIso() })
      .where('id', '=', id)
      .where('run_id', '=', runId)
      .returningAll()
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async update(id: number, patch: BuildPatch): Promise<Build> {
    const changes = patchRow(patch);
    const row =
      Object.keys(changes).length === 0
        ? await this.db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst()
        : await this.db.updateTable('builds').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
    if (row === undefined) throw new DrydockError('not_found', `build ${id} not found`);
    return toBuild(row);
  }

  async listUnfinished(): Promise<BuildWithRun[]> {
    const rows = await this.db
      .selectFrom('builds')
      .selectAll()
      .where('status', 'in', ['queued', 'running'])
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toBuildWithRun);
  }

  async openBuildsOf(repo: string): Promise<Build[]> {
    const rows = await this.db
      .selectFrom('builds')
      .selectAll()
      .where('repo', '=', repo)
      .where('status', 'in', ['blocked', 'queued', 'running'])
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toBuild);
  }

  async queuedAhead(id: number): Promise<number> {
    const row = await this.db.selectFrom('builds').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'queued').where('id', '<', id).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async repoSettings(repo: string): Promise<RepoSettings> {
    const row = await this.db.selectFrom('repo_settings').select('supersede').where('repo', '=', repo).executeTakeFirst();
    return { supersede: row === undefined || row.supersede === 1 };
  }

  async saveRepoSettings(repo: string, settings: RepoSettings): Promise<void> {
    const values = { supersede: settings.supersede ? 1 : 0, updated_at: nowIso() };
    await this.db
      .insertInto('repo_settings')
      .values({ repo, ...values })
      .onConflict((oc) => oc.column('repo').doUpdateSet(values))
      .execute();
  }

  async knownRepository(repo: string): Promise<KnownRepository | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select(['clone_url', 'default_branch'])
      .where('repo', '=', repo)
      .where('event', 'in', WEBHOOK_EVENTS)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { cloneUrl: row.clone_url, defaultBranch: row.default_branch };
  }

  async pruneBefore(cutoff: string): Promise<{ logs: number; deliveries: number }> {
    const old = this.db.selectFrom('builds').select('id').where('created_at', '<', cutoff);
    const logs = await this.db.deleteFrom('build_logs').where('build_id', 'in', old).executeTakeFirst();
    const deliveries = await this.db.deleteFrom('deliveries').where('received_at', '<', cutoff).executeTakeFirst();
    return { logs: Number(logs.numDeletedRows), deliveries: Number(deliveries.numDeletedRows) };
  }

  async cloneUrlsBuiltSince(since: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select('clone_url')
      .distinct()
      .where((eb) => eb.or([eb('created_at', '>=', since), eb('status', 'in', ['queued', 'running'])]))
      .execute();
    return rows.map((r) => r.clone_url);
  }

  repoSummary(repo: string): Promise<RepoSummary | undefined> {
    return repoSummaryQuery(this.db, repo);
  }

  queueView(limit: number): Promise<QueueView> {
    return queueViewQuery(this.db, limit);
  }

  private async buildsOfDelivery(deliveryId: string): Promise<Build[]> {
    const delivery = await this.db
      .selectFrom('deliveries')
      .select('build_ids')
      .where('delivery_id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    const ids = JSON.parse(delivery.build_ids) as number[];
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('builds').selectAll().where('id', 'in', ids).orderBy('id', 'asc').execute();
    return rows.map(toBuild);
  }
}

/** The columns that say which run owns a build, with a heartbeat now. */
const runColumns = ({ runId, owner }: RunOwner) => ({ run_id: runId, run_owner: owner, heartbeat_at: nowIso() });

/** The first key of the advisory locks claims take per repository on PostgreSQL (the second is the repository's hash): "Dryd". */
const CLAIM_LOCK = 0x44727964;

/** Events only a signed webhook makes. */
const WEBHOOK_EVENTS: BuildEvent[] = ['push', 'tag', 'pull_request'];

async function insertBuilds(trx: Transaction<StoreTables>, requests: BuildRequest[]): Promise<Build[]> {
  if (requests.length === 0) return [];
  const rows = await trx.insertInto('builds').values(requests.map(newBuildRow)).returningAll().execute();
  // ids are handed out in VALUES order, so sorting by id keeps the requests' order
  return rows.sort((a, b) => a.id - b.id).map(toBuild);
}
