import { splitOwnerName } from '@drydock/core';
import type { GitHubAppAuth } from './github-app.js';
import { CALL_TIMEOUT_MS, createOctokit, refusalOf, type DrydockOctokit, type OctokitOptions } from './octokit-github-client.js';
import type { CheckConclusion, CheckRunStatus } from './report-outbox.js';

/** What a check run says at one moment (the fields a create and an update share). */
export interface CheckRunFields {
  status: CheckRunStatus;
  /** Only with `completed`. */
  conclusion?: CheckConclusion;
  startedAt?: string;
  completedAt?: string;
  detailsUrl: string;
  title: string;
  /** Markdown. */
  summary: string;
}

export interface NewCheckRun extends CheckRunFields {
  /** The check's name: the context, `drydock` or `drydock/<image>`. */
  name: string;
  headSha: string;
  /** The build id: a "Re-run" names it back (check_run `rerequested`). */
  externalId: string;
}

/**
 * The Checks API, as installation `installationId` of the App. `create` answers the new run's id;
 * `update` changes a run made before. Both reject with a `GitHubRefusal` (see GitHubClient).
 */
export interface CheckRunsClient {
  create(repo: string, installationId: number, run: NewCheckRun): Promise<number>;
  update(repo: string, installationId: number, checkRunId: number, run: CheckRunFields): Promise<void>;
}

/**
 * The check run GitHub made for each (build, context), so every later update of it changes that
 * same run. `idOf` answers undefined when none was made; `save` stores one (replacing any). Both
 * reject only when the database does. Implementations: `KyselyCheckRunIds`, `InMemoryCheckRunIds`.
 */
export interface CheckRunIds {
  idOf(buildId: number, context: string): Promise<number | undefined>;
  save(buildId: number, context: string, checkRunId: number): Promise<void>;
}

export const CHECK_RUN_IDS = Symbol('CheckRunIds');

/** GitHub's limit on a check run's `output.title`. */
const TITLE_MAX = 255;

/** CheckRunsClient on octokit, each call with its installation's token (see `GitHubAppAuth`). */
export class OctokitCheckRuns implements CheckRunsClient {
  /** One octokit per installation, kept while its token is the current one (the throttling plugin spaces that client's writes). */
  private readonly clients = new Map<number, { token: string; octokit: DrydockOctokit }>();

  constructor(
    private readonly apiUrl: string,
    private readonly app: GitHubAppAuth,
    private readonly options: OctokitOptions = {},
  ) {}

  async create(repo: string, installationId: number, run: NewCheckRun): Promise<number> {
    const { owner, name } = splitOwnerName(repo);
    const octokit = await this.clientFor(installationId);
    try {
      const { data } = await octokit.rest.checks.create({
        owner,
        repo: name,
        name: run.name,
        head_sha: run.headSha,
        external_id: run.externalId,
        ...bodyOf(run),
        request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      });
      return data.id;
    } catch (err) {
      throw refusalOf(err);
    }
  }

  async update(repo: string, installationId: number, checkRunId: number, run: CheckRunFields): Promise<void> {
    const { owner, name } = splitOwnerName(repo);
    const octokit = await this.clientFor(installationId);
    try {
      await octokit.rest.checks.update({ owner, repo: name, check_run_id: checkRunId, ...bodyOf(run), request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) } });
    } catch (err) {
      throw refusalOf(err);
    }
  }

  private async clientFor(installationId: number): Promise<DrydockOctokit> {
    const token = await this.app.installationToken(installationId);
    const known = this.clients.get(installationId);
    if (known?.token === token) return known.octokit;
    const octokit = createOctokit(this.apiUrl, token, this.options);
    this.clients.set(installationId, { token, octokit });
    return octokit;
  }
}

function bodyOf(run: CheckRunFields) {
  return {
    status: run.status,
    details_url: run.detailsUrl,
    ...(run.startedAt ? { started_at: run.startedAt } : {}),
    ...(run.status === 'completed' ? { conclusion: run.conclusion ?? 'failure', completed_at: run.completedAt } : {}),
    output: { title: run.title.length > TITLE_MAX ? `${run.title.slice(0, TITLE_MAX - 1)}…` : run.title, summary: run.summary },
  };
}
