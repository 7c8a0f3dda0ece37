import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { DeliveryAttempt, NewReport, OutboxEntry, ReportOutbox } from '@drydock/github';
import { nowIso } from '@drydock/core';
import type { ReportOutboxTable, StoreTables } from './schema.js';

/** ReportOutbox on Kysely: the same queries on SQLite and PostgreSQL. Does not own `db`. */
export class KyselyReportOutbox implements ReportOutbox {
  constructor(private readonly db: Kysely<StoreTables>) {}

  async add(report: NewReport): Promise<OutboxEntry> {
    const createdAt = nowIso();
    const row = await this.db
      .insertInto('report_outbox')
      .values({
        build_id: report.buildId,
        repo: report.repo,
        sha: report.sha,
        context: report.context,
        state: report.state,
        description: report.description,
        target_url: report.targetUrl,
        created_at: createdAt,
        next_attempt_at: createdAt,
        ...(report.check
          ? {
              check_status: report.check.status,
              check_conclusion: report.check.conclusion,
              installation_id: report.check.installationId,
              check_summary: report.check.summary,
            }
          : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEntry(row);
  }

  async due(now: string, limit: number): Promise<OutboxEntry[]> {
    await this.db
      .updateTable('report_outbox')
      .set({ outcome: 'superseded' })
      .where('outcome', 'is', null)
      .where(hasNewerOfKey)
      .execute();
    const rows = await this.db
      .selectFrom('report_outbox')
      .selectAll()
      .where('outcome', 'is', null)
      .where('next_attempt_at', '<=', now)
      // an entry added between the two statements waits for the next call; its older one is not sent meanwhile
      .where((eb) => eb.not(hasNewerOfKey(eb)))
      .orderBy('sequence', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  async record(sequence: number, attempt: DeliveryAttempt): Promise<void> {
    await this.db
      .updateTable('report_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        ...(attempt.outcome === 'retry'
          ? { last_error: attempt.error, next_attempt_at: attempt.nextAttemptAt }
          : attempt.outcome === 'delivered'
            ? { outcome: 'delivered' as const, delivered_at: attempt.at }
            : { outcome: 'abandoned' as const, last_error: attempt.error }),
      }))
      .where('sequence', '=', sequence)
      .where('outcome', 'is', null)
      .execute();
  }

  async ofCommit(repo: string, sha: string): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('report_outbox')
      .selectAll()
      .where('repo', '=', repo)
      .where('sha', '=', sha)
      .orderBy('sequence', 'asc')
      .execute();
    return rows.map(toEntry);
  }

  async pruneSettledBefore(cutoff: string): Promise<number> {
    const result = await this.db
      .deleteFrom('report_outbox')
      .where('outcome', 'is not', null)
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** The row has a newer entry (any outcome) of its (repo, sha, context), of its own build when it is a check run's. */
function hasNewerOfKey(eb: ExpressionBuilder<StoreTables, 'report_outbox'>) {
  return eb.exists(
    eb
      .selectFrom('report_outbox as newer')
      .select('newer.sequence')
      .whereRef('newer.repo', '=', 'report_outbox.repo')
      .whereRef('newer.sha', '=', 'report_outbox.sha')
      .whereRef('newer.context', '=', 'report_outbox.context')
      .whereRef('newer.sequence', '>', 'report_outbox.sequence')
      .where((newer) => newer.or([newer('report_outbox.check_status', 'is', null), newer('newer.build_id', '=', newer.ref('report_outbox.build_id'))])),
  );
}

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value);

function toEntry(row: Selectable<ReportOutboxTable>): OutboxEntry {
  return {
    sequence: row.sequence,
    buildId: row.build_id,
    repo: row.repo,
    sha: row.sha,
    context: row.context,
    state: row.state,
    description: row.description,
    targetUrl: row.target_url,
    createdAt: iso(row.created_at),
    outcome: row.outcome,
    deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastError: row.last_error,
    ...(row.check_status
      ? {
          check: {
            status: row.check_status,
            conclusion: row.check_conclusion,
            installationId: row.installation_id === null ? null : Number(row.installation_id),
            summary: row.check_summary,
          },
        }
      : {}),
  };
}
