import { isOwnerName, maskSecrets, type Build } from '@drydock/core';
import type { CommitState, GitHubClient } from './github-client.js';

/**
 * Tells GitHub how a build goes. The commit-status reporter is the one in use; a
 * Checks API reporter (GitHub App) can stand beside it behind the same interface.
 * `report` never throws: a GitHub outage must not fail a build. It resolves with
 * an error message when GitHub refused, so the caller can log it where the user looks.
 */
export interface BuildReporter {
  report(build: Build, update: BuildReport): Promise<string | undefined>;
}

export const BUILD_REPORTER = Symbol('BuildReporter');

export interface BuildReport {
  state: CommitState;
  description: string;
  /** Image-specific context suffix (`drydock/<image>`); absent for the aggregate `drydock`. */
  image?: string;
}

export const STATUS_CONTEXT = 'drydock';

/** Commit statuses; `secrets` (AppConfig.secrets) are masked in every description and problem. */
export class CommitStatusReporter implements BuildReporter {
  constructor(
    private readonly github: GitHubClient,
    private readonly publicUrl: string,
    private readonly secrets: readonly string[] = [],
  ) {}

  async report(build: Build, update: BuildReport): Promise<string | undefined> {
    if (!build.sha || !isOwnerName(build.repo)) return undefined;
    try {
      await this.github.setCommitStatus(build.repo, build.sha, {
        state: update.state,
        context: update.image ? `${STATUS_CONTEXT}/${update.image}` : STATUS_CONTEXT,
        description: maskSecrets(update.description, this.secrets),
        targetUrl: `${this.publicUrl}/builds/${build.id}`,
      });
      return undefined;
    } catch (err) {
      return maskSecrets(`could not report "${update.state}" to GitHub: ${err instanceof Error ? err.message : String(err)}`, this.secrets);
    }
  }
}

/** Builds of a bare git URL (not `owner/name`) have no GitHub commit to report on. */

/** Used when GitHub cannot be told anything; says why once per build. */
export class SilentReporter implements BuildReporter {
  private readonly told = new Set<number>();

  constructor(private readonly reason: string) {}

  async report(build: Build): Promise<string | undefined> {
    if (this.told.has(build.id)) return undefined;
    this.told.add(build.id);
    return this.reason;
  }
}
