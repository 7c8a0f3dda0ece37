import type { CommitState } from '@drydock/core';

/** An update for GitHub as the reporter stores it: already masked, its context and link resolved. */
export interface NewReport {
  /** `NO_BUILD` (0) for a commit reported without a build. */
  buildId: number;
  /** owner/name */
  repo: string;
  sha: string;
  /** `drydock` or `drydock/<image>` */
  context: string;
  state: CommitState;
  description: string;
  targetUrl: string;
  /** App mode: the update is sent as a check run of the build (see `CheckRunReport`); absent: a commit status. */
  check?: CheckRunReport;
}

/** A check run's phase: `queued` (stored, or waiting for approval), `in_progress` (a worker runs it), `completed`. */
export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';

/**
 * What a completed check run concludes (see `checkReportOf`): `success`, `failure` (the build or
 * its tests failed, and also `error`: a build that could not run must not pass a required check,
 * as `neutral` would), `cancelled`.
 */
export type CheckConclusion = 'success' | 'failure' | 'cancelled';

/** The check-run side of an update, fixed when it is stored. */
export interface CheckRunReport {
  status: CheckRunStatus;
  /** Set when `completed`, else null. */
  conclusion: CheckConclusion | null;
  /** The App installation whose token sends it; null: the one installed on the repository. */
  installationId: number | null;
  /** The run's markdown summary (masked), when `completed`; else the description is the summary. */
  summary: string | null;
}

/**
 * How an entry left the outbox: sent to GitHub, replaced by a newer entry of its commit and
 * context before it was sent, or given up (GitHub refused it for good). Null while it waits.
 */
export type ReportOutcome = 'delivered' | 'superseded' | 'abandoned';

export interface OutboxEntry extends NewReport {
  /** Increases with every entry added (across all commits): the order updates happened in. */
  sequence: number;
  createdAt: string;
  outcome: ReportOutcome | null;
  deliveredAt: string | null;
  attempts: number;
  /** When a waiting entry may be tried (again); `createdAt` for a new one. */
  nextAttemptAt: string;
  lastError: string | null;
}

/** What one delivery attempt of an entry came to. */
export type DeliveryAttempt =
  | { outcome: 'delivered'; at: string }
  | { outcome: 'retry'; at: string; error: string; nextAttemptAt: string }
  | { outcome: 'abandoned'; at: string; error: string };

/**
 * The GitHub updates Drydock has to send, stored before anything is sent (a transactional outbox):
 * `BuildReporter.report` adds, the one delivering process (see `OutboxDelivery`) sends.
 *
 * - `add` stores an entry, due at once, with the next `sequence`; it rejects only when the
 *   database does.
 * - `due(now, limit)` answers waiting entries whose next attempt is at or before `now`, oldest
 *   sequence first, at most one per (repo, sha, context): the newest of that key. Every waiting
 *   entry that has a newer entry of its key (waiting or not) is first settled as `superseded`, so
 *   an older update (a late `pending`) is never sent after a newer one. A check-run entry (`check`)
 *   is superseded only by a newer entry of its own build: each build has check runs of its own,
 *   and an older build's must still end `completed`. It may be called any
 *   number of times; it hands nothing out exclusively (the caller holds a lease for that).
 * - `record` stores an attempt's result: `attempts` goes up by one and the error is kept; a
 *   `retry` keeps the entry waiting until `nextAttemptAt`, `delivered` and `abandoned` settle it.
 *   Recording for an unknown or settled sequence changes nothing.
 * - `ofCommit` answers every entry of a commit, oldest first (what happened, for people and tests).
 * - `pruneSettledBefore(cutoff)` deletes settled entries created before `cutoff`; answers how many.
 *
 * Timestamps are ISO strings. Implementations: `KyselyReportOutbox` (SQLite, PostgreSQL) and
 * `InMemoryReportOutbox` (libs/testing), held to one contract (`describeReportOutboxContract`).
 */
export interface ReportOutbox {
  add(report: NewReport): Promise<OutboxEntry>;
  due(now: string, limit: number): Promise<OutboxEntry[]>;
  record(sequence: number, attempt: DeliveryAttempt): Promise<void>;
  ofCommit(repo: string, sha: string): Promise<OutboxEntry[]>;
  pruneSettledBefore(cutoff: string): Promise<number>;
}

export const REPORT_OUTBOX = Symbol('ReportOutbox');
