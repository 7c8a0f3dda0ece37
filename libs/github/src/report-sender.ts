import { NO_BUILD } from './build-reporter.js';
import type { CheckRunFields, CheckRunIds, CheckRunsClient } from './check-runs.js';
import type { GitHubAppAuth } from './github-app.js';
import { GitHubRefusal, type GitHubClient } from './github-client.js';
import type { CheckRunReport, OutboxEntry } from './report-outbox.js';

/** Sends one outbox entry to GitHub; rejects with a `GitHubRefusal` as GitHubClient does (OutboxDelivery retries). */
export interface ReportSender {
  send(entry: OutboxEntry): Promise<void>;
}

/** Every entry as a commit status (`POST /repos/{o}/{r}/statuses/{sha}`). */
export function statusSender(github: GitHubClient): ReportSender {
  return {
    send: ({ repo, sha, state, context, description, targetUrl }) => github.setCommitStatus(repo, sha, { state, context, description, targetUrl }),
  };
}

/**
 * App mode: an entry with `check` goes to its build's check run of that context: the first one
 * sent creates the run (named for the context, `external_id` the build id, `details_url` the
 * build page) and its id is stored; every later one updates that run. The token is the build's
 * installation's, else the installation on the repository; a repository without the App is
 * `rejected`. An entry without `check` (stored before App mode) is sent as a commit status.
 */
export class CheckRunSender implements ReportSender {
  private readonly statuses: ReportSender;

  constructor(
    private readonly ids: CheckRunIds,
    private readonly checks: CheckRunsClient,
    private readonly app: GitHubAppAuth,
    statuses: GitHubClient,
  ) {
    this.statuses = statusSender(statuses);
  }

  async send(entry: OutboxEntry): Promise<void> {
    if (!entry.check) return this.statuses.send(entry);
    const installationId = entry.check.installationId ?? (await this.app.installationOf(entry.repo));
    if (installationId === undefined) throw new GitHubRefusal('rejected', `the GitHub App is not installed on ${entry.repo}`);
    const fields = fieldsOf(entry, entry.check);
    const create = () => ({ ...fields, name: entry.context, headSha: entry.sha, externalId: String(entry.buildId) });
    // A commit reported without a build (a skip) gets one final run of its own, never updated.
    if (entry.buildId === NO_BUILD) return void (await this.checks.create(entry.repo, installationId, create()));
    const existing = await this.ids.idOf(entry.buildId, entry.context);
    if (existing !== undefined) return this.checks.update(entry.repo, installationId, existing, fields);
    const id = await this.checks.create(entry.repo, installationId, create());
    await this.ids.save(entry.buildId, entry.context, id);
  }
}

function fieldsOf(entry: OutboxEntry, check: CheckRunReport): CheckRunFields {
  return {
    status: check.status,
    ...(check.conclusion ? { conclusion: check.conclusion } : {}),
    ...(check.status === 'in_progress' ? { startedAt: entry.createdAt } : {}),
    ...(check.status === 'completed' ? { completedAt: entry.createdAt } : {}),
    detailsUrl: entry.targetUrl,
    title: entry.description,
    summary: check.summary ?? entry.description,
  };
}
