import type { BuildEngines } from '@drydock/docker';
import type { BuildEvents } from '@drydock/events';
import type { GitClient } from '@drydock/git';
import type { BuildReporter, RepoCredentials } from '@drydock/github';
import type { BuildLogs } from '@drydock/logs';
import type { BuildStore } from '@drydock/store';

/** Everything a build needs from outside, as narrow ports; the worker binds the real ones, unit tests the fakes of libs/testing. */
export interface PipelineDeps {
  git: GitClient;
  /** Each build runs on its repository's engine, held from after the claim until the build is cleaned up. */
  engines: BuildEngines;
  reporter: BuildReporter;
  /** The token a build's git commands send to the GitHub host (an App's installation token, or GITHUB_TOKEN). */
  credentials: RepoCredentials;
  store: BuildStore;
  logs: BuildLogs;
  events: BuildEvents;
  /** Queues a build again with a fresh job: a run that hands its build back (the worker shuts down, or lost its job's lock). */
  queue: { enqueue(buildId: number): Promise<void> };
  settings: PipelineSettings;
  /** Problems that can no longer go into the build's log (it is stored already): the worker's own log. */
  warn(message: string): void;
}

export interface PipelineSettings {
  /** Checkouts live under `<dataDir>/builds/<id>-<run>` (see `runWorkDir`). */
  dataDir: string;
  /** Who runs builds here, stored as each run's owner: `hostname/pid` by default. */
  workerId?: string;
  /** How often a run tells the store it is alive (default 5000 ms); the reconciler counts a run silent for much longer as lost. */
  heartbeatMs?: number;
  /** `host[:port][/namespace]` images are pushed to. */
  registry: string;
  /** Builds of one repository running at once across all workers (DRYDOCK_REPO_CONCURRENCY; default 1). */
  repoConcurrency?: number;
  /** Seconds a build may run; a repository's `timeout:` may only shorten it. */
  buildTimeoutSeconds: number;
  /** DRYDOCK_TRUSTED_REPOS: repositories whose compose test files may use more than the allow-list (never a fork's build); absent: none. */
  trustedRepos?: readonly string[];
  /** DRYDOCK_SECRETS_DIR: build secrets are `<secretsDir>/<owner>/<repo>/<name>` (see build-secrets.ts); absent: none. */
  secretsDir?: string;
}
