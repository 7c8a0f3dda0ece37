import { describe, expect, it } from '@jest/globals';
import { InMemoryCheckRunIds } from '@drydock/testing';
import { NO_BUILD } from './build-reporter.js';
import type { CheckRunFields, CheckRunsClient, NewCheckRun } from './check-runs.js';
import type { GitHubAppAuth } from './github-app.js';
import { GitHubRefusal, type CommitStatus, type GitHubClient } from './github-client.js';
import type { CheckRunReport, OutboxEntry } from './report-outbox.js';
import { CheckRunSender, statusSender } from './report-sender.js';

const REPO = 'acme/app';
const SHA = 'c'.repeat(40);
const AT = '2026-03-01T12:00:00.000Z';

type ChecksCall =
  | { call: 'create'; repo: string; installationId: number; run: NewCheckRun }
  | { call: 'update'; repo: string; installationId: number; checkRunId: number; run: CheckRunFields };

/** A Checks API that answers ids 100, 101, … and records every call. */
class RecordingCheckRuns implements CheckRunsClient {
  readonly calls: ChecksCall[] = [];
  private nextId = 100;
  /** The next call rejects with this. */
  refuseNext: GitHubRefusal | null = null;

  async create(repo: string, installationId: number, run: NewCheckRun): Promise<number> {
    this.calls.push({ call: 'create', repo, installationId, run });
    const refusal = this.refuseNext;
    this.refuseNext = null;
    if (refusal) throw refusal;
    return this.nextId++;
  }

  async update(repo: string, installationId: number, checkRunId: number, run: CheckRunFields): Promise<void> {
    this.calls.push({ call: 'update', repo, installationId, checkRunId, run });
  }
}

class RecordingStatuses implements GitHubClient {
  readonly sent: Array<CommitStatus & { repo: string; sha: string }> = [];

  async setCommitStatus(repo: string, sha: string, status: CommitStatus): Promise<void> {
    this.sent.push({ repo, sha, ...status });
  }
}

/** The App installed on the repositories in `installed`; every question noted in `asked`. */
function fakeApp(installed: Record<string, number> = {}): GitHubAppAuth & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    installationToken: async (id) => `ghs_token_of_${id}`,
    installationOf: async (repo) => {
      asked.push(repo);
      return installed[repo];
    },
    appJwt: async () => 'jwt',
  };
}

let sequence = 0;
function entry(overrides: Partial<OutboxEntry> = {}, check?: Partial<CheckRunReport> | null): OutboxEntry {
  const createdAt = overrides.createdAt ?? AT;
  return {
    buildId: 7,
    repo: REPO,
    sha: SHA,
    context: 'drydock',
    state: 'pending',
    description: 'Build running',
    targetUrl: 'http://drydock.test/builds/7',
    ...(check === null ? {} : { check: { status: 'in_progress', conclusion: null, installationId: 31, summary: null, ...check } }),
    sequence: ++sequence,
    createdAt,
    outcome: null,
    deliveredAt: null,
    attempts: 0,
    nextAttemptAt: createdAt,
    lastError: null,
    ...overrides,
  };
}

function setUp(installed: Record<string, number> = {}) {
  const ids = new InMemoryCheckRunIds();
  const checks = new RecordingCheckRuns();
  const statuses = new RecordingStatuses();
  const app = fakeApp(installed);
  return { ids, checks, statuses, app, sender: new CheckRunSender(ids, checks, app, statuses) };
}

describe('CheckRunSender', () => {
  it('creates the check run of a build\'s context with its first entry, and stores its id', async () => {
    const { ids, checks, sender } = setUp();
    await sender.send(entry({ state: 'pending', description: 'Queued' }, { status: 'queued' }));
    expect(checks.calls).toEqual([
      {
        call: 'create',
        repo: REPO,
        installationId: 31,
        run: { name: 'drydock', headSha: SHA, externalId: '7', status: 'queued', detailsUrl: 'http://drydock.test/builds/7', title: 'Queued', summary: 'Queued' },
      },
    ]);
    expect(await ids.idOf(7, 'drydock')).toBe(100);
  });

  it('updates that same run with every later entry, and makes a run of its own for each other context', async () => {
    const { ids, checks, sender } = setUp();
    await sender.send(entry({ createdAt: '2026-03-01T12:00:00.000Z' }, { status: 'queued' }));
    await sender.send(entry({ createdAt: '2026-03-01T12:00:05.000Z' }, { status: 'in_progress' }));
    await sender.send(entry({ context: 'drydock/api', targetUrl: 'http://drydock.test/builds/7' }, { status: 'in_progress' }));
    await sender.send(
      entry({ state: 'failure', description: 'test failed', createdAt: '2026-03-01T12:03:00.000Z' }, { status: 'completed', conclusion: 'failure', summary: '**Build 7 failed**' }),
    );
    expect(checks.calls.map((c) => [c.call, c.call === 'update' ? c.checkRunId : c.run.name])).toEqual([
      ['create', 'drydock'],
      ['update', 100],
      ['create', 'drydock/api'],
      ['update', 100],
    ]);
    expect(checks.calls[1]).toEqual({
      call: 'update',
      repo: REPO,
      installationId: 31,
      checkRunId: 100,
      run: { status: 'in_progress', startedAt: '2026-03-01T12:00:05.000Z', detailsUrl: 'http://drydock.test/builds/7', title: 'Build running', summary: 'Build running' },
    });
    expect(checks.calls[3]).toMatchObject({
      run: { status: 'completed', conclusion: 'failure', completedAt: '2026-03-01T12:03:00.000Z', title: 'test failed', summary: '**Build 7 failed**' },
    });
    expect(checks.calls[3].run).not.toHaveProperty('startedAt');
    expect(await ids.idOf(7, 'drydock/api')).toBe(101);
  });

  it('keeps the runs of two builds of one commit apart', async () => {
    const { checks, sender } = setUp();
    await sender.send(entry({ buildId: 7 }, {}));
    await sender.send(entry({ buildId: 8 }, {}));
    await sender.send(entry({ buildId: 7 }, { status: 'completed', conclusion: 'cancelled' }));
    expect(checks.calls.map((c) => (c.call === 'create' ? `create ${c.run.externalId}` : `update ${c.checkRunId}`))).toEqual(['create 7', 'create 8', 'update 100']);
  });

  it('sends as the installation on the repository when the entry names none', async () => {
    const { checks, app, sender } = setUp({ [REPO]: 55 });
    await sender.send(entry({}, { installationId: null }));
    expect(checks.calls[0]).toMatchObject({ call: 'create', installationId: 55 });
    expect(app.asked).toEqual([REPO]);

    const named = setUp({ [REPO]: 55 });
    await named.sender.send(entry({}, { installationId: 31 }));
    expect(named.checks.calls[0]).toMatchObject({ installationId: 31 });
    expect(named.app.asked).toEqual([]);
  });

  it('rejects as `rejected` on a repository the App is not installed on, sending and storing nothing', async () => {
    const { ids, checks, sender } = setUp();
    const refusal = await sender.send(entry({}, { installationId: null })).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(GitHubRefusal);
    expect(refusal).toMatchObject({ code: 'rejected', message: expect.stringContaining(REPO) });
    expect(checks.calls).toEqual([]);
    expect(await ids.idOf(7, 'drydock')).toBeUndefined();
  });

  it('rejects as GitHub did when the run could not be made, and makes it with the next try', async () => {
    const { ids, checks, sender } = setUp();
    checks.refuseNext = new GitHubRefusal('unavailable', 'HTTP 502: Bad Gateway', 502);
    await expect(sender.send(entry({}, {}))).rejects.toMatchObject({ code: 'unavailable', status: 502 });
    expect(await ids.idOf(7, 'drydock')).toBeUndefined();
    await sender.send(entry({}, {}));
    expect(checks.calls.map((c) => c.call)).toEqual(['create', 'create']);
    expect(await ids.idOf(7, 'drydock')).toBe(100);
  });

  it('sends an entry stored without a check run as a commit status', async () => {
    const { checks, statuses, app, sender } = setUp();
    await sender.send(entry({ state: 'success', description: 'Pushed' }, null));
    expect(statuses.sent).toEqual([{ repo: REPO, sha: SHA, state: 'success', context: 'drydock', description: 'Pushed', targetUrl: 'http://drydock.test/builds/7' }]);
    expect(checks.calls).toEqual([]);
    expect(app.asked).toEqual([]);
  });

  it('creates a run for every entry of a commit without a build, and never stores or updates one', async () => {
    const { ids, checks, sender } = setUp();
    const skip = () => entry({ buildId: NO_BUILD, state: 'success', description: 'Skipped: [skip ci]', targetUrl: 'http://drydock.test/' }, { status: 'completed', conclusion: 'success' });
    await sender.send(skip());
    await sender.send(skip());
    expect(checks.calls.map((c) => c.call)).toEqual(['create', 'create']);
    expect(checks.calls[0]).toEqual({
      call: 'create',
      repo: REPO,
      installationId: 31,
      run: {
        name: 'drydock',
        headSha: SHA,
        externalId: '0',
        status: 'completed',
        conclusion: 'success',
        completedAt: AT,
        detailsUrl: 'http://drydock.test/',
        title: 'Skipped: [skip ci]',
        summary: 'Skipped: [skip ci]',
      },
    });
    expect(await ids.idOf(NO_BUILD, 'drydock')).toBeUndefined();
  });
});

describe('statusSender', () => {
  it('sends every entry as a commit status, check or not', async () => {
    const statuses = new RecordingStatuses();
    await statusSender(statuses).send(entry({ context: 'drydock/api', state: 'error', description: 'clone failed' }, { status: 'completed', conclusion: 'failure' }));
    expect(statuses.sent).toEqual([{ repo: REPO, sha: SHA, state: 'error', context: 'drydock/api', description: 'clone failed', targetUrl: 'http://drydock.test/builds/7' }]);
  });
});
