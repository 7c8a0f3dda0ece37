import type { ColumnType, Generated } from 'kysely';
import type { BuildEvent, BuildStatus, CommitState } from '@drydock/core';
import type { CheckConclusion, CheckRunStatus, ReportOutcome } from '@drydock/github';

/**
 * The tables as Kysely sees them. Timestamps are written as ISO strings; PostgreSQL
 * (timestamptz) reads them back as Date, SQLite (text) as the string itself.
 */
type Timestamp = ColumnType<Date | string, string, string>;
type NullableTimestamp = ColumnType<Date | string | null, string | null, string | null>;

export interface BuildsTable {
  id: Generated<number>;
  repo: string;
  clone_url: string;
  ref: string;
  /** Derived from `ref` at insert (see `branchOf`), only for filtering. */
  branch: string | null;
  sha: string | null;
  event: BuildEvent;
  status: BuildStatus;
  default_branch: string | null;
  rebuild_of: number | null;
  /** The failed build this one retries (see `BuildRequest.retryOf`). */
  retry_of: ColumnType<number | null, number | null | undefined, never>;
  /** 1: the code comes from a fork (see `BuildRequest.fork`); 0 otherwise. Never updated. */
  fork: ColumnType<number, number | undefined, never>;
  /** The run that owns the build while it is `running` (see BuildStore `claim`); null while queued. */
  run_id: string | null;
  /** That run's worker, `hostname/pid`. */
  run_owner: string | null;
  /** How many runs the build has had (each claim counts one). */
  attempt: ColumnType<number, number | undefined, number>;
  /** The owning run's last sign of life. */
  heartbeat_at: NullableTimestamp;
  /** JSON text of BuildStep[] */
  steps: string;
  /** JSON text of BuildImage[] */
  images: string;
  /** JSON text of KeptImage[]: what the build kept in the registry for a retry. */
  kept_images: ColumnType<string, string | undefined, string>;
  /** See `Build.pullRequest`. */
  pull_request: ColumnType<number | null, number | null | undefined, number | null>;
  /** See `Build.installationId`; a bigint column: PostgreSQL may read it back as a string. */
  installation_id: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** See `Build.before`. */
  before_sha: ColumnType<string | null, string | null | undefined, string | null>;
  /** See `Build.approvedBy`. */
  approved_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** See `BuildFacts`; `author` is JSON text of CommitAuthor. */
  title: ColumnType<string | null, string | null | undefined, string | null>;
  author: ColumnType<string | null, string | null | undefined, string | null>;
  commit_url: ColumnType<string | null, string | null | undefined, never>;
  compare_url: ColumnType<string | null, string | null | undefined, never>;
  pull_request_url: ColumnType<string | null, string | null | undefined, never>;
  triggered_by: ColumnType<string | null, string | null | undefined, never>;
  error: string | null;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface BuildLogsTable {
  build_id: number;
  text: string;
}

export interface DeliveriesTable {
  delivery_id: string;
  /** JSON text of number[] */
  build_ids: string;
  received_at: Timestamp;
}

/** See ReportOutbox (@drydock/github); `outcome` null while an entry waits. */
export interface ReportOutboxTable {
  sequence: Generated<number>;
  build_id: number;
  repo: string;
  sha: string;
  context: string;
  state: CommitState;
  description: string;
  target_url: string;
  created_at: Timestamp;
  outcome: ReportOutcome | null;
  delivered_at: NullableTimestamp;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  /** App mode: the entry is a check run's update (see `CheckRunReport`); null for a commit status. */
  check_status: ColumnType<CheckRunStatus | null, CheckRunStatus | null | undefined, never>;
  check_conclusion: ColumnType<CheckConclusion | null, CheckConclusion | null | undefined, never>;
  /** A bigint column: PostgreSQL may read it back as a string. */
  installation_id: ColumnType<number | string | null, number | null | undefined, never>;
  check_summary: ColumnType<string | null, string | null | undefined, never>;
}

/** The check run GitHub made for a build's context (App mode; see `CheckRunIds`). */
export interface CheckRunsTable {
  build_id: number;
  context: string;
  /** A bigint column: PostgreSQL may read it back as a string. */
  check_run_id: ColumnType<number | string, number, number>;
  created_at: Timestamp;
}

/** Per repository, what its latest `.drydock.yml` said that matters before a clone. */
export interface RepoSettingsTable {
  repo: string;
  /** 1: a new push to a branch or pull request cancels its older builds (the default). */
  supersede: number;
  updated_at: Timestamp;
}

export interface StoreTables {
  repo_settings: RepoSettingsTable;
  builds: BuildsTable;
  build_logs: BuildLogsTable;
  deliveries: DeliveriesTable;
  report_outbox: ReportOutboxTable;
  check_runs: CheckRunsTable;
}
