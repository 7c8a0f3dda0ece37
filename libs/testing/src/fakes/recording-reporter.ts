import { isOwnerName, type Build } from '@drydock/core';
import { NO_BUILD, STATUS_CONTEXT, type BuildReport, type BuildReporter, type CommitRef } from '@drydock/github';

/** A report as GitHub would have received it. */
export interface RecordedReport {
  /** `NO_BUILD` (0) for a commit reported without a build. */
  buildId: number;
  sha: string | null;
  context: string;
  state: BuildReport['state'];
  description: string;
}

/**
 * A BuildReporter that records what GitHub would be told, for the unit tier. While
 * `refuseWith` is set it cannot take updates, as when the outbox's database is down: `report`
 * resolves with that problem and records nothing (it never throws, per the port's contract).
 */
export class RecordingReporter implements BuildReporter {
  readonly reports: RecordedReport[] = [];
  refuseWith: string | null = null;

  async report(build: Build, update: BuildReport): Promise<string | undefined> {
    if (!build.sha || !isOwnerName(build.repo)) return undefined; // no GitHub commit to report on
    return this.record(build.id, build.sha, update);
  }

  async reportCommit(commit: CommitRef, update: BuildReport): Promise<string | undefined> {
    return this.record(NO_BUILD, commit.sha, update);
  }

  private record(buildId: number, sha: string, update: BuildReport): string | undefined {
    if (this.refuseWith !== null) return `could not report "${update.state}" to GitHub: ${this.refuseWith}`;
    const context = update.image ? `${STATUS_CONTEXT}/${update.image}` : STATUS_CONTEXT;
    this.reports.push({ buildId, sha, context, state: update.state, description: update.description });
    return undefined;
  }

  /** The states one context went through, in order. */
  statesOf(context = STATUS_CONTEXT, buildId?: number): string[] {
    return this.reports.filter((r) => r.context === context && (buildId === undefined || r.buildId === buildId)).map((r) => r.state);
  }

  /** The last report to a context. */
  last(context = STATUS_CONTEXT): RecordedReport | undefined {
    return this.reports.filter((r) => r.context === context).at(-1);
  }
}
