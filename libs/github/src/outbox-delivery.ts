import { messageOf } from '@drydock/core';
import { GitHubRefusal, type GitHubClient } from './github-client.js';
import type { DeliveryAttempt, OutboxEntry, ReportOutbox } from './report-outbox.js';
import { statusSender, type ReportSender } from './report-sender.js';

/** First retry after ~2 s, doubling up to ~5 min; ±25 % jitter so retries of an outage spread out. */
const BACKOFF_FIRST_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** An entry GitHub rejects (a 4xx other than a rate limit) is given up at this many attempts. */
export const REJECTED_ATTEMPTS_MAX = 3;
/** Entries tried per round at most; the rest wait for the next round. */
const ROUND_SIZE = 20;

export interface OutboxDeliveryOptions {
  /** Epoch ms; `Date.now` unless a test drives the clock. */
  now?: () => number;
  /** [0, 1); `Math.random` unless a test wants fixed jitter. */
  random?: () => number;
  /** Where problems go (an entry given up, the database failing); never thrown. */
  warn?: (message: string) => void;
}

/** What one round did, by entry. */
export interface DeliveryRound {
  delivered: number;
  retried: number;
  abandoned: number;
}

/** The delay before attempt `attempts + 1` of an entry that failed `attempts` times. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_FIRST_MS * 2 ** Math.max(attempts - 1, 0), BACKOFF_MAX_MS);
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * Sends what the report outbox holds to GitHub. Meant for one process at a time (the caller
 * holds a lease and passes `keepGoing` to re-check it before each call). A round takes the due
 * entries (the newest per commit and context; older ones the outbox settles as superseded) and
 * sends them oldest first. A failure is recorded with a backoff; GitHub's rate limit also
 * pauses every delivery until the time GitHub named; a 4xx other than 403/429 is given up
 * after `REJECTED_ATTEMPTS_MAX` attempts. `deliverDue` never throws.
 */
export class OutboxDelivery {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly warn: (message: string) => void;
  private pausedUntil = 0;
  private lastOutboxError = '';
  private readonly sender: ReportSender;

  /** `github`: a GitHubClient sends every entry as a commit status; a ReportSender decides (App mode: check runs). */
  constructor(
    private readonly outbox: ReportOutbox,
    github: GitHubClient | ReportSender,
    options: OutboxDeliveryOptions = {},
  ) {
    this.sender = 'send' in github ? github : statusSender(github);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.warn = options.warn ?? (() => undefined);
  }

  async deliverDue(keepGoing: () => Promise<boolean> = async () => true): Promise<DeliveryRound> {
    const round: DeliveryRound = { delivered: 0, retried: 0, abandoned: 0 };
    if (this.now() < this.pausedUntil) return round;
    try {
      const entries = await this.outbox.due(iso(this.now()), ROUND_SIZE);
      for (const entry of entries) {
        if (!(await keepGoing())) break;
        const attempt = await this.attempt(entry);
        await this.outbox.record(entry.sequence, attempt);
        round[attempt.outcome === 'retry' ? 'retried' : attempt.outcome] += 1;
        if (this.now() < this.pausedUntil) break;
      }
      this.lastOutboxError = '';
    } catch (err) {
      // Once per distinct message: the database being down would otherwise say so every round.
      if (messageOf(err) !== this.lastOutboxError) this.warn(`GitHub reports: the outbox failed: ${messageOf(err)}`);
      this.lastOutboxError = messageOf(err);
    }
    return round;
  }

  private async attempt(entry: OutboxEntry): Promise<DeliveryAttempt> {
    try {
      await this.sender.send(entry);
      return { outcome: 'delivered', at: iso(this.now()) };
    } catch (err) {
      return this.failed(entry, err instanceof GitHubRefusal ? err : new GitHubRefusal('unavailable', messageOf(err)));
    }
  }

  private failed(entry: OutboxEntry, refusal: GitHubRefusal): DeliveryAttempt {
    const at = this.now();
    const attempts = entry.attempts + 1;
    const error = refusal.message;
    if (refusal.code === 'rejected' && attempts >= REJECTED_ATTEMPTS_MAX) {
      this.warn(`GitHub refused "${entry.state}" for ${entry.repo}@${entry.sha.slice(0, 7)} (${entry.context}) ${attempts} times, given up: ${error}`);
      return { outcome: 'abandoned', at: iso(at), error };
    }
    let next = at + backoffMs(attempts, this.random);
    if (refusal.code === 'rate_limited') {
      // The limit is the token's, not the entry's: nothing is sent until GitHub's time is up.
      next = Math.max(refusal.retryAt ?? next, at);
      this.pausedUntil = next;
    }
    return { outcome: 'retry', at: iso(at), error, nextAttemptAt: iso(next) };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
