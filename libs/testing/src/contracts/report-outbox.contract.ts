import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NewReport, OutboxEntry, ReportOutbox } from '@drydock/github';

/** An outbox under test, and how to throw it away. */
export interface ReportOutboxSubject {
  outbox: ReportOutbox;
  close(): Promise<void>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FAR_FUTURE = '2999-01-01T00:00:00.000Z';
const later = (ms: number): string => new Date(Date.now() + ms).toISOString();

/**
 * What every ReportOutbox must do, run against the in-memory outbox of the unit tier and the
 * real databases (SQLite file, PostgreSQL) of the integration tier. Each test works on its own
 * repository, so entries of the others (the outbox is shared) only need filtering out.
 */
export function describeReportOutboxContract(name: string, open: () => Promise<ReportOutboxSubject>): void {
  describe(`ReportOutbox contract: ${name}`, () => {
    let subject: ReportOutboxSubject;
    let outbox: ReportOutbox;
    beforeAll(async () => {
      subject = await open();
      ({ outbox } = subject);
    });
    afterAll(() => subject?.close());

    /** Due entries of one repository. */
    const dueOf = async (repo: string, now = later(1000)): Promise<OutboxEntry[]> => (await outbox.due(now, 1000)).filter((e) => e.repo === repo);

    it('stores an update, due at once, with a sequence that increases', async () => {
      const report = reportFor(freshRepo());
      const first = await outbox.add(report);
      const second = await outbox.add({ ...report, state: 'success', description: 'done' });
      expect(first).toEqual({
        ...report,
        sequence: expect.any(Number),
        createdAt: expect.stringMatching(ISO),
        outcome: null,
        deliveredAt: null,
        attempts: 0,
        nextAttemptAt: first.createdAt,
        lastError: null,
      });
      expect(second.sequence).toBeGreaterThan(first.sequence);
      expect(await outbox.ofCommit(report.repo, report.sha)).toEqual([first, second]);
    });

    it('answers only the newest waiting entry of a commit and context, and settles the older ones as superseded', async () => {
      const repo = freshRepo();
      const queued = await outbox.add(reportFor(repo, { description: 'Queued' }));
      const image = await outbox.add(reportFor(repo, { context: 'drydock/api', description: 'Build running' }));
      const running = await outbox.add(reportFor(repo, { description: 'Build running' }));
      const other = await outbox.add(reportFor(repo, { sha: 'e'.repeat(40), description: 'Queued' }));
      const final = await outbox.add(reportFor(repo, { state: 'success', description: 'Pushed' }));

      expect((await dueOf(repo)).map((e) => e.sequence)).toEqual([image.sequence, other.sequence, final.sequence]);
      const outcomes = (await outbox.ofCommit(repo, queued.sha)).map((e) => [e.sequence, e.outcome]);
      expect(outcomes).toEqual([[queued.sequence, 'superseded'], [image.sequence, null], [running.sequence, 'superseded'], [final.sequence, null]]);
    });

    it('never answers an entry older than one already settled (an update stored late cannot overtake)', async () => {
      const repo = freshRepo();
      const pending = await outbox.add(reportFor(repo));
      const success = await outbox.add(reportFor(repo, { state: 'success', description: 'done' }));
      await outbox.record(success.sequence, { outcome: 'delivered', at: later(0) });
      expect(await dueOf(repo)).toEqual([]);
      expect((await outbox.ofCommit(repo, pending.sha)).map((e) => e.outcome)).toEqual(['superseded', 'delivered']);
    });

    it('keeps a check run update whole, and supersedes it only by a newer entry of its own build', async () => {
      const repo = freshRepo();
      const check = { status: 'completed' as const, conclusion: 'failure' as const, installationId: 4_200_000_001, summary: '**Build 7 failed**' };
      const first = await outbox.add(reportFor(repo, { state: 'failure', description: 'tests failed', check }));
      const rebuildQueued = await outbox.add(reportFor(repo, { buildId: 8, check: { status: 'queued', conclusion: null, installationId: null, summary: null } }));
      const rebuildRunning = await outbox.add(reportFor(repo, { buildId: 8, check: { status: 'in_progress', conclusion: null, installationId: null, summary: null } }));

      expect((await outbox.ofCommit(repo, first.sha))[0]).toEqual(first);
      expect(first.check).toEqual(check);
      expect((await dueOf(repo)).map((e) => e.sequence)).toEqual([first.sequence, rebuildRunning.sequence]);
      expect((await outbox.ofCommit(repo, first.sha)).map((e) => [e.sequence, e.outcome])).toEqual([
        [first.sequence, null],
        [rebuildQueued.sequence, 'superseded'],
        [rebuildRunning.sequence, null],
      ]);
    });

    it('answers due entries oldest first, up to the limit', async () => {
      const repo = freshRepo();
      const a = await outbox.add(reportFor(repo, { sha: 'a'.repeat(40) }));
      const b = await outbox.add(reportFor(repo, { sha: 'b'.repeat(40) }));
      const due = (await outbox.due(FAR_FUTURE, 1000)).filter((e) => e.repo === repo);
      expect(due.map((e) => e.sequence)).toEqual([a.sequence, b.sequence]);
      const [oldest] = await outbox.due(FAR_FUTURE, 1);
      expect(oldest.sequence).toBeLessThanOrEqual(a.sequence);
    });

    it('keeps a failed entry waiting until its next attempt, counting attempts and keeping the error', async () => {
      const repo = freshRepo();
      const entry = await outbox.add(reportFor(repo));
      const nextAttemptAt = later(60_000);
      await outbox.record(entry.sequence, { outcome: 'retry', at: later(0), error: 'HTTP 502: Bad Gateway', nextAttemptAt });
      expect(await dueOf(repo)).toEqual([]);
      const [waiting] = await dueOf(repo, nextAttemptAt);
      expect(waiting).toEqual({ ...entry, attempts: 1, lastError: 'HTTP 502: Bad Gateway', nextAttemptAt });

      await outbox.record(entry.sequence, { outcome: 'retry', at: later(0), error: 'HTTP 503: Unavailable', nextAttemptAt });
      expect((await outbox.ofCommit(repo, entry.sha))[0]).toMatchObject({ attempts: 2, lastError: 'HTTP 503: Unavailable', outcome: null });
    });

    it('settles an entry delivered or abandoned, and records nothing more for it', async () => {
      const repo = freshRepo();
      const delivered = await outbox.add(reportFor(repo));
      const abandoned = await outbox.add(reportFor(repo, { sha: 'f'.repeat(40) }));
      const at = later(0);
      await outbox.record(delivered.sequence, { outcome: 'delivered', at });
      await outbox.record(abandoned.sequence, { outcome: 'abandoned', at, error: 'HTTP 422: No commit found for SHA' });
      await outbox.record(delivered.sequence, { outcome: 'retry', at, error: 'late', nextAttemptAt: later(1000) });
      await outbox.record(abandoned.sequence, { outcome: 'delivered', at });
      await outbox.record(999_999_999, { outcome: 'delivered', at });

      expect(await dueOf(repo, FAR_FUTURE)).toEqual([]);
      expect((await outbox.ofCommit(repo, delivered.sha))[0]).toEqual({ ...delivered, outcome: 'delivered', deliveredAt: at, attempts: 1 });
      expect((await outbox.ofCommit(repo, abandoned.sha))[0]).toEqual({
        ...abandoned,
        outcome: 'abandoned',
        attempts: 1,
        lastError: 'HTTP 422: No commit found for SHA',
      });
    });

    it('answers a commit\'s entries oldest first, and no other commit\'s', async () => {
      const repo = freshRepo();
      const first = await outbox.add(reportFor(repo));
      await outbox.add(reportFor(repo, { sha: '9'.repeat(40) }));
      const second = await outbox.add(reportFor(repo, { context: 'drydock/web' }));
      expect((await outbox.ofCommit(repo, first.sha)).map((e) => e.sequence)).toEqual([first.sequence, second.sequence]);
      expect(await outbox.ofCommit(freshRepo(), first.sha)).toEqual([]);
    });

    it('prunes settled entries created before the cutoff and keeps waiting ones', async () => {
      const repo = freshRepo();
      const settled = await outbox.add(reportFor(repo, { sha: '1'.repeat(40) }));
      const waiting = await outbox.add(reportFor(repo, { sha: '2'.repeat(40) }));
      await outbox.record(settled.sequence, { outcome: 'delivered', at: later(0) });
      await outbox.pruneSettledBefore(settled.createdAt);
      expect(await outbox.ofCommit(repo, settled.sha)).toHaveLength(1);
      expect(await outbox.pruneSettledBefore(FAR_FUTURE)).toBeGreaterThanOrEqual(1);
      expect(await outbox.ofCommit(repo, settled.sha)).toEqual([]);
      expect(await outbox.ofCommit(repo, waiting.sha)).toEqual([waiting]);
    });
  });
}

/** A report of `acme/…`'s commit `c…c` to the aggregate context, pending. */
export function reportFor(repo: string, overrides: Partial<NewReport> = {}): NewReport {
  return {
    buildId: 7,
    repo,
    sha: 'c'.repeat(40),
    context: 'drydock',
    state: 'pending',
    description: 'Queued',
    targetUrl: 'http://drydock.test/builds/7',
    ...overrides,
  };
}

const freshRepo = (): string => `acme/outbox-${randomBytes(4).toString('hex')}`;
