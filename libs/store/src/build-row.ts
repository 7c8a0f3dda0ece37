import type { Insertable, Selectable, Updateable } from 'kysely';
import { branchOf, nowIso, type Build, type BuildImage, type BuildRequest, type BuildStep, type CommitAuthor, type KeptImage } from '@drydock/core';
import type { BuildPatch, BuildWithRun } from './build-store.js';
import type { BuildsTable } from './schema.js';

/** Mapping between the `builds` row and the domain Build: JSON columns and timestamps. */
export type BuildRow = Selectable<BuildsTable>;

export function toBuild(row: BuildRow): Build {
  return {
    id: row.id,
    repo: row.repo,
    cloneUrl: row.clone_url,
    ref: row.ref,
    sha: row.sha,
    event: row.event,
    status: row.status,
    defaultBranch: row.default_branch,
    rebuildOf: row.rebuild_of,
    retryOf: row.retry_of,
    fork: row.fork === 1,
    pullRequest: row.pull_request,
    installationId: row.installation_id === null ? null : Number(row.installation_id),
    before: row.before_sha,
    approvedBy: row.approved_by,
    title: row.title,
    author: row.author === null ? null : (JSON.parse(row.author) as CommitAuthor),
    commitUrl: row.commit_url,
    compareUrl: row.compare_url,
    pullRequestUrl: row.pull_request_url,
    triggeredBy: row.triggered_by,
    steps: JSON.parse(row.steps) as BuildStep[],
    images: JSON.parse(row.images) as BuildImage[],
    keptImages: JSON.parse(row.kept_images) as KeptImage[],
    error: row.error,
    createdAt: isoOf(row.created_at),
    startedAt: row.started_at === null ? null : isoOf(row.started_at),
    finishedAt: row.finished_at === null ? null : isoOf(row.finished_at),
  };
}

export function toBuildWithRun(row: BuildRow): BuildWithRun {
  return {
    ...toBuild(row),
    run: { runId: row.run_id, owner: row.run_owner, attempt: row.attempt, heartbeatAt: row.heartbeat_at === null ? null : isoOf(row.heartbeat_at) },
  };
}

export function newBuildRow(request: BuildRequest): Insertable<BuildsTable> {
  return {
    repo: request.repo,
    clone_url: request.cloneUrl,
    ref: request.ref,
    branch: branchOf(request.ref),
    sha: request.sha,
    event: request.event,
    status: request.blocked === true ? 'blocked' : 'queued',
    pull_request: request.pullRequest ?? null,
    installation_id: request.installationId ?? null,
    before_sha: request.before ?? null,
    default_branch: request.defaultBranch,
    rebuild_of: request.rebuildOf ?? null,
    retry_of: request.retryOf ?? null,
    fork: request.fork === true ? 1 : 0,
    title: request.title ?? null,
    author: request.author ? JSON.stringify(request.author) : null,
    commit_url: request.commitUrl ?? null,
    compare_url: request.compareUrl ?? null,
    pull_request_url: request.pullRequestUrl ?? null,
    triggered_by: request.triggeredBy ?? null,
    steps: '[]',
    images: '[]',
    error: null,
    created_at: nowIso(),
    started_at: null,
    finished_at: null,
  };
}

/** Only the fields present in the patch are written; a build put back to `queued` drops its run (no run owns a queued build). */
export function patchRow(patch: BuildPatch): Updateable<BuildsTable> {
  const row: Updateable<BuildsTable> = {};
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.status === 'queued') Object.assign(row, { run_id: null, run_owner: null, heartbeat_at: null });
  if (patch.sha !== undefined) row.sha = patch.sha;
  if (patch.steps !== undefined) row.steps = JSON.stringify(patch.steps);
  if (patch.images !== undefined) row.images = JSON.stringify(patch.images);
  if (patch.keptImages !== undefined) row.kept_images = JSON.stringify(patch.keptImages);
  if (patch.startedAt !== undefined) row.started_at = patch.startedAt;
  if (patch.finishedAt !== undefined) row.finished_at = patch.finishedAt;
  if (patch.error !== undefined) row.error = patch.error;
  if (patch.ref !== undefined) Object.assign(row, { ref: patch.ref, branch: branchOf(patch.ref) });
  if (patch.pullRequest !== undefined) row.pull_request = patch.pullRequest;
  if (patch.approvedBy !== undefined) row.approved_by = patch.approvedBy;
  if (patch.title !== undefined) row.title = patch.title;
  if (patch.author !== undefined) row.author = patch.author === null ? null : JSON.stringify(patch.author);
  return row;
}

function isoOf(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : value;
}
