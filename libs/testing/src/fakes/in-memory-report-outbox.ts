import type { DeliveryAttempt, NewReport, OutboxEntry, ReportOutbox } from '@drydock/github';

const keyOf = (e: NewReport): string => `${e.repo}\n${e.sha}\n${e.context}`;
/** A newer entry of the key settles an older one; a check run's only when it is of the same build. */
const supersedes = (newer: OutboxEntry, older: OutboxEntry): boolean =>
  newer.sequence > older.sequence && keyOf(newer) === keyOf(older) && (!older.check || newer.buildId === older.buildId);

/**
 * The report outbox in memory, for the unit tier (held to the same contract as the Kysely one).
 * While `refuseWith` is set every call rejects with it, as a database that is down does.
 * `now` stamps new entries (tests may drive it).
 */
export class InMemoryReportOutbox implements ReportOutbox {
  private readonly entries: OutboxEntry[] = [];
  private sequence = 0;
  refuseWith: string | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  async add(report: NewReport): Promise<OutboxEntry> {
    this.throwIfRefusing();
    const createdAt = new Date(this.now()).toISOString();
    const entry: OutboxEntry = {
      ...structuredClone(report),
      sequence: ++this.sequence,
      createdAt,
      outcome: null,
      deliveredAt: null,
      attempts: 0,
      nextAttemptAt: createdAt,
      lastError: null,
    };
    this.entries.push(entry);
    return structuredClone(entry);
  }

  async due(now: string, limit: number): Promise<OutboxEntry[]> {
    this.throwIfRefusing();
    for (const e of this.entries) if (e.outcome === null && this.entries.some((newer) => supersedes(newer, e))) e.outcome = 'superseded';
    return this.entries
      .filter((e) => e.outcome === null && Date.parse(e.nextAttemptAt) <= Date.parse(now))
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async record(sequence: number, attempt: DeliveryAttempt): Promise<void> {
    this.throwIfRefusing();
    const entry = this.entries.find((e) => e.sequence === sequence && e.outcome === null);
    if (!entry) return;
    entry.attempts += 1;
    if (attempt.outcome === 'retry') Object.assign(entry, { lastError: attempt.error, nextAttemptAt: attempt.nextAttemptAt });
    else if (attempt.outcome === 'delivered') Object.assign(entry, { outcome: 'delivered', deliveredAt: attempt.at });
    else Object.assign(entry, { outcome: 'abandoned', lastError: attempt.error });
  }

  async ofCommit(repo: string, sha: string): Promise<OutboxEntry[]> {
    this.throwIfRefusing();
    return this.entries.filter((e) => e.repo === repo && e.sha === sha).map((e) => structuredClone(e));
  }

  async pruneSettledBefore(cutoff: string): Promise<number> {
    this.throwIfRefusing();
    const pruned = this.entries.filter((e) => e.outcome !== null && Date.parse(e.createdAt) < Date.parse(cutoff));
    for (const e of pruned) this.entries.splice(this.entries.indexOf(e), 1);
    return pruned.length;
  }

  /** Every entry, oldest first (what a test inspects). */
  all(): OutboxEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  private throwIfRefusing(): void {
    if (this.refuseWith !== null) throw new Error(this.refuseWith);
  }
}
