import { Logger, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_ENGINES, type BuildEngines } from '@drydock/docker';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { GIT_CLIENT, type GitClient } from '@drydock/git';
import { BUILD_REPORTER, REPO_CREDENTIALS, type BuildReporter, type RepoCredentials } from '@drydock/github';
import { BUILD_LOGS, type BuildLogs } from '@drydock/logs';
import type { PipelineDeps } from '@drydock/pipeline';
import { BuildQueue } from '@drydock/queue';
import { BUILD_STORE, type BuildStore } from '@drydock/store';

export const PIPELINE_DEPS = Symbol('PipelineDeps');

const logger = new Logger('Pipeline');

export const pipelineDepsProvider: Provider = {
  provide: PIPELINE_DEPS,
  inject: [GIT_CLIENT, BUILD_ENGINES, BUILD_REPORTER, REPO_CREDENTIALS, BUILD_STORE, BUILD_LOGS, BUILD_EVENTS, BuildQueue, APP_CONFIG],
  useFactory: (
    git: GitClient,
    engines: BuildEngines,
    reporter: BuildReporter,
    credentials: RepoCredentials,
    store: BuildStore,
    logs: BuildLogs,
    events: BuildEvents,
    queue: BuildQueue,
    config: AppConfig,
  ): PipelineDeps => ({
    git,
    engines,
    reporter,
    credentials,
    store,
    logs,
    events,
    queue,
    settings: {
      dataDir: config.dataDir,
      registry: config.registry.host,
      buildTimeoutSeconds: config.buildTimeoutSeconds,
      repoConcurrency: config.repoConcurrency,
      trustedRepos: config.trustedRepos,
      secretsDir: config.secretsDir,
    },
    warn: (message) => logger.warn(message),
  }),
};
