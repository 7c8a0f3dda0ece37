import { Inject, Injectable } from '@nestjs/common';
import { DrydockError } from '@drydock/core';
import { BUILD_STORE, type BuildStore, type QueueView, type RepoSummary } from '@drydock/store';

/** The most builds each list of `GET /api/queue` shows. */
export const QUEUE_LIST_LIMIT = 200;

/** What the dashboard's repository and queue pages read: figures over the stored builds; nothing is written. */
@Injectable()
export class OverviewService {
  constructor(@Inject(BUILD_STORE) private readonly store: BuildStore) {}

  /** See `BuildStore.repoSummary`; `not_found` for a repository with no stored build. */
  async repoSummary(repo: string): Promise<RepoSummary> {
    const summary = await this.store.repoSummary(repo);
    if (!summary) throw new DrydockError('not_found', `repository ${repo} not found: Drydock has no build of it`);
    return summary;
  }

  /** See `BuildStore.queueView`: at most QUEUE_LIST_LIMIT builds in each list. */
  queue(): Promise<QueueView> {
    return this.store.queueView(QUEUE_LIST_LIMIT);
  }
}
