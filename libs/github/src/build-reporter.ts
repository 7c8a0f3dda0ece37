import { isOwnerName, maskSecrets, messageOf, type Build } from '@drydock/core';
import type { CommitState } from './github-client.js';
import type { ReportOutbox } from './report-outbox.js';
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
 * (AppConfig.secrets) are masked before anything is stored, and in every problem.
 */
export class OutboxReporter implements BuildReporter {
  constructor(
    private readonly outbox: ReportOutbox,
    private readonly publicUrl: string,
    private readonly secrets: readonly string[] = [],
  ) {}

  report(build: Build, update: BuildReport): Promise<string | undefined> {
    // Builds of a bare git URL (not `owner/name`) have no GitHub commit to report on.
    if (!build.sha || !isOwnerName(build.repo)) return Promise.resolve(undefined);
    return this.add(build.id, build.repo, build.sha, update, `${this.publicUrl}/builds/${build.id}`);
  }

  reportCommit(commit: CommitRef, update: BuildReport): Promise<string | undefined> {
    return this.add(NO_BUILD, commit.repo, commit.sha, update, `${this.publicUrl}/`);
  }

  private async add(buildId: number, repo: string, sha: string, update: BuildReport, targetUrl: string): Promise<string | undefined> {
    try {
      await this.outbox.add({ buildId, repo, sha, context: statusContextOf(update), state: update.state, description: maskSecrets(update.description, this.secrets), targetUrl });
      return undefined;
    } catch (err) {
      return maskSecrets(`could not report "${update.state}" to GitHub: ${messageOf(err)}`, this.secrets);
    }
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
