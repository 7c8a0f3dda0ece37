import { isOwnerName, maskSecrets, messageOf, type Build } from '@drydock/core';
import type { LogArchive } from '@drydock/logs';
import { checkReportOf } from './check-report.js';
import type { CommitState } from './github-client.js';
import type { CheckRunReport, ReportOutbox } from './report-outbox.js';
import type { CommitRef } from './webhook-events.js';

/**
 * Tells GitHub how a build goes. `report` only stores the update for delivery (the outbox):
 * it never waits on GitHub and never throws, so a GitHub outage can neither fail nor slow a
 * build. It resolves with a problem message when the update could not be taken (the database
 * refused it, or GitHub cannot be told anything at all), for the caller to log where the user looks.
 */
export interface BuildReporter {
  report(build: Build, update: BuildReport): Promise<string | undefined>;
  /** The same for a commit no build is for (a push that asked to be skipped), linked to the dashboard. */
  reportCommit(commit: CommitRef, update: BuildReport): Promise<string | undefined>;
}

export const BUILD_REPORTER = Symbol('BuildReporter');

export interface BuildReport {
  state: CommitState;
  description: string;
  /** Image-specific context suffix (`drydock/<image>`); absent for the aggregate `drydock`. */
  image?: string;
}

export const STATUS_CONTEXT = 'drydock';

export const statusContextOf = (update: Pick<BuildReport, 'image'>): string =>
  update.image ? `${STATUS_CONTEXT}/${update.image}` : STATUS_CONTEXT;

/**
 * Commit statuses by way of the report outbox (`OutboxDelivery` sends them). `secrets`
 * (AppConfig.secrets) are masked before anything is stored, and in every problem. With `checks`
 * (App mode) each update is stored as a check run's (see `checkReportOf`); a completed one's
 * summary takes the failing step's lines from the build's stored log (`checks.logs`), when
 * there is one to read.
 */
export class OutboxReporter implements BuildReporter {
  constructor(
    private readonly outbox: ReportOutbox,
    private readonly publicUrl: string,
    private readonly secrets: readonly string[] = [],
    private readonly checks?: { logs: Pick<LogArchive, 'read'> },
  ) {}

  async report(build: Build, update: BuildReport): Promise<string | undefined> {
    // Builds of a bare git URL (not `owner/name`) have no GitHub commit to report on.
    if (!build.sha || !isOwnerName(build.repo)) return undefined;
    try {
      const check = this.checks ? await this.checkOf(build, update) : undefined;
      return await this.add(build.id, build.repo, build.sha, update, `${this.publicUrl}/builds/${build.id}`, check);
    } catch (err) {
      return this.problem(update, err);
    }
  }

  reportCommit(commit: CommitRef, update: BuildReport): Promise<string | undefined> {
    // A commit without a build has a check run of its own, completed at once (a skip is final).
    const check: CheckRunReport | undefined = this.checks
      ? { status: 'completed', conclusion: update.state === 'success' ? 'success' : 'failure', installationId: commit.installationId, summary: null }
      : undefined;
    return this.add(NO_BUILD, commit.repo, commit.sha, update, `${this.publicUrl}/`, check);
  }

  private async add(buildId: number, repo: string, sha: string, update: BuildReport, targetUrl: string, check: CheckRunReport | undefined): Promise<string | undefined> {
    try {
      const description = maskSecrets(update.description, this.secrets);
      await this.outbox.add({ buildId, repo, sha, context: statusContextOf(update), state: update.state, description, targetUrl, ...(check ? { check } : {}) });
      return undefined;
    } catch (err) {
      return this.problem(update, err);
    }
  }

  private problem(update: BuildReport, err: unknown): string {
    return maskSecrets(`could not report "${update.state}" to GitHub: ${messageOf(err)}`, this.secrets);
  }

  private async checkOf(build: Build, update: BuildReport): Promise<CheckRunReport> {
    const log = update.state === 'pending' ? undefined : await this.checks!.logs.read(build.id).catch(() => undefined);
    // Masked before the summary is cut to GitHub's limit: a cut through a secret would leave its start unmasked.
    const check = checkReportOf(build, update, log === undefined ? undefined : maskSecrets(log, this.secrets));
    return check.summary === null ? check : { ...check, summary: maskSecrets(check.summary, this.secrets) };
  }
}

/** The outbox's `buildId` of a commit reported without a build (ids start at 1). */
export const NO_BUILD = 0;

/** Used when GitHub cannot be told anything; says why once per build. */
export class SilentReporter implements BuildReporter {
  private readonly told = new Set<number>();

  constructor(private readonly reason: string) {}

  async report(build: Build): Promise<string | undefined> {
    if (this.told.has(build.id)) return undefined;
    this.told.add(build.id);
    return this.reason;
  }

  async reportCommit(): Promise<string | undefined> {
    return this.reason;
  }
}
