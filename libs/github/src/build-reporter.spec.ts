import { describe, expect, it } from '@jest/globals';
import type { Build, BuildStep } from '@drydock/core';
import { buildFixture, InMemoryReportOutbox } from '@drydock/testing';
import { NO_BUILD, OutboxReporter } from './build-reporter.js';
import { checkSummary } from './check-report.js';

const SECRET = 'ghs_secret_token_1234';

const build = { id: 7, repo: 'acme/app', sha: 'a'.repeat(40) } as Build;

describe('OutboxReporter', () => {
  it('stores the update for GitHub, secrets masked, with its context and link', async () => {
    const outbox = new InMemoryReportOutbox();
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [SECRET]);
    expect(await reporter.report(build, { state: 'error', description: `clone failed: token ${SECRET} refused`, image: 'api' })).toBeUndefined();
    expect(outbox.all()).toEqual([
      expect.objectContaining({
        buildId: 7,
        repo: 'acme/app',
        sha: 'a'.repeat(40),
        context: 'drydock/api',
        state: 'error',
        description: 'clone failed: token *** refused',
        targetUrl: 'http://drydock.test/builds/7',
        outcome: null,
      }),
    ]);
  });

  it('masks secrets in the problem it answers when the outbox refuses', async () => {
    const outbox = new InMemoryReportOutbox();
    outbox.refuseWith = `connection to postgres://drydock:${SECRET}@db refused`;
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [SECRET]);
    expect(await reporter.report(build, { state: 'pending', description: 'Queued' })).toBe(
      'could not report "pending" to GitHub: connection to postgres://drydock:***@db refused',
    );
  });
});

const fullBuild = (overrides: Partial<Build> = {}): Build => buildFixture({ installationId: 31, ...overrides });

const failedTest: BuildStep = { name: 'test', image: 'api', status: 'failure', startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:03.000Z' };

/** A log archive holding `logs` (build id -> log); notes which builds were read. */
function archive(logs: Record<number, string>) {
  const read: number[] = [];
  return {
    read,
    logs: {
      read: async (buildId: number): Promise<string | undefined> => {
        read.push(buildId);
        return logs[buildId];
      },
    },
  };
}

describe('OutboxReporter in App mode (checks)', () => {
  it('stores each update as its check run\'s: queued while the build waits, in progress while it runs', async () => {
    const outbox = new InMemoryReportOutbox();
    const logs = archive({ 41: '==> clone\n' });
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [], logs);
    await reporter.report(fullBuild({ status: 'queued' }), { state: 'pending', description: 'Queued' });
    await reporter.report(fullBuild({ status: 'blocked', installationId: null }), { state: 'pending', description: 'Waiting for approval' });
    await reporter.report(fullBuild({ status: 'running' }), { state: 'pending', description: 'Build running', image: 'api' });
    expect(outbox.all().map((e) => [e.context, e.check])).toEqual([
      ['drydock', { status: 'queued', conclusion: null, installationId: 31, summary: null }],
      ['drydock', { status: 'queued', conclusion: null, installationId: null, summary: null }],
      ['drydock/api', { status: 'in_progress', conclusion: null, installationId: 31, summary: null }],
    ]);
    expect(logs.read).toEqual([]);
  });

  it('completes the run with a summary of the stored log, secrets masked', async () => {
    const outbox = new InMemoryReportOutbox();
    const logs = archive({ 41: ['==> clone', 'cloned', '==> test api', `curl -H "token: ${SECRET}" failed`, 'FAIL', ''].join('\n') });
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [SECRET], logs);
    const failed = fullBuild({ status: 'failure', error: 'test failed', steps: [failedTest] });
    expect(await reporter.report(failed, { state: 'failure', description: 'test failed' })).toBeUndefined();
    const [stored] = outbox.all();
    expect(stored).toMatchObject({ buildId: 41, context: 'drydock', state: 'failure', check: { status: 'completed', conclusion: 'failure', installationId: 31 } });
    expect(stored.check!.summary).toContain('**Build 41 failed: test failed**');
    expect(stored.check!.summary).toContain('```text\ncurl -H "token: ***" failed\nFAIL\n```');
    expect(stored.check!.summary).not.toContain(SECRET);
    expect(logs.read).toEqual([41]);
  });

  it('masks a secret of the log also where the summary is cut to GitHub\'s limit', async () => {
    const failed = fullBuild({ status: 'failure', steps: [failedTest] });
    // Where the log line starts in the summary, so the cut at 65534 falls inside the secret.
    const lineStart = checkSummary(failed, undefined, '==> test api\nMARK').indexOf('MARK');
    const line = `${'x'.repeat(65_534 - lineStart - 6)}${SECRET}${'y'.repeat(1000)}`;
    const outbox = new InMemoryReportOutbox();
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [SECRET], archive({ 41: `==> test api\n${line}\n` }));
    await reporter.report(failed, { state: 'failure', description: 'test failed' });
    const summary = outbox.all()[0].check!.summary!;
    expect(summary.length).toBeLessThanOrEqual(65_535);
    expect(summary).not.toContain(SECRET.slice(0, 6));
  });

  it('completes the run without the log when it cannot be read', async () => {
    const outbox = new InMemoryReportOutbox();
    const logs = { read: async (): Promise<string | undefined> => Promise.reject(new Error('archive down')) };
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [], { logs });
    expect(await reporter.report(fullBuild({ status: 'error', error: 'engine gone', steps: [failedTest] }), { state: 'error', description: 'engine gone' })).toBeUndefined();
    const { check } = outbox.all()[0];
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.summary).toMatch(/^\*\*Build 41 could not run: engine gone\*\*/);
    expect(check!.summary).not.toContain('**Log of');
  });

  it('concludes a cancelled build\'s run cancelled', async () => {
    const outbox = new InMemoryReportOutbox();
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [], archive({}));
    await reporter.report(fullBuild({ status: 'cancelled', error: 'superseded by 1a2b3c4' }), { state: 'error', description: 'superseded by 1a2b3c4' });
    expect(outbox.all()[0].check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
  });

  it('stores a commit without a build as a check run of its own, completed at once, as the commit\'s installation', async () => {
    const outbox = new InMemoryReportOutbox();
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [], archive({}));
    const commit = { repo: 'acme/widget', sha: 'd'.repeat(40), installationId: 77 };
    await reporter.reportCommit(commit, { state: 'success', description: 'Skipped: [skip ci]' });
    await reporter.reportCommit({ ...commit, installationId: null }, { state: 'failure', description: 'not allowed' });
    expect(outbox.all()).toEqual([
      expect.objectContaining({
        buildId: NO_BUILD,
        sha: 'd'.repeat(40),
        context: 'drydock',
        state: 'success',
        targetUrl: 'http://drydock.test/',
        check: { status: 'completed', conclusion: 'success', installationId: 77, summary: null },
      }),
      expect.objectContaining({ check: { status: 'completed', conclusion: 'failure', installationId: null, summary: null } }),
    ]);
  });

  it('stores no check run without App mode', async () => {
    const outbox = new InMemoryReportOutbox();
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', []);
    await reporter.report(fullBuild({ status: 'failure', steps: [failedTest] }), { state: 'failure', description: 'test failed' });
    await reporter.reportCommit({ repo: 'acme/widget', sha: 'd'.repeat(40), installationId: 77 }, { state: 'success', description: 'Skipped' });
    expect(outbox.all()).toHaveLength(2);
    for (const entry of outbox.all()) expect(entry).not.toHaveProperty('check');
  });
});
