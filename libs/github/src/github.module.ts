import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, isGitHubApp, type AppConfig } from '@drydock/config';
import { LOG_ARCHIVE, type LogArchive } from '@drydock/logs';
import { BUILD_REPORTER, OutboxReporter, SilentReporter } from './build-reporter.js';
import { CHECK_RUN_IDS, OctokitCheckRuns, type CheckRunIds } from './check-runs.js';
import { GITHUB_APP_AUTH, OctokitAppAuth, type GitHubAppAuth } from './github-app.js';
import { GITHUB_CLIENT, type GitHubClient } from './github-client.js';
import { GITHUB_PERMISSIONS } from './github-permissions.js';
import { HOOK_DELIVERIES, OctokitHookDeliveries } from './hook-redelivery.js';
import { OctokitGitHubClient } from './octokit-github-client.js';
import { OctokitGitHubPermissions } from './octokit-github-permissions.js';
import { OutboxDelivery } from './outbox-delivery.js';
import { REPORT_OUTBOX, type ReportOutbox } from './report-outbox.js';
import { GitHubRepoCredentials, REPO_CREDENTIALS } from './repo-credentials.js';
import { CheckRunSender } from './report-sender.js';

const DEFAULT_GITHUB_API = 'https://api.github.com';

/** github.com refuses unauthenticated status writes; any other API (Enterprise, a stand-in) may not. An App always has its tokens. */
export const canReportToGitHub = (config: AppConfig): boolean =>
  isGitHubApp(config) || Boolean(config.github.token) || config.github.apiUrl !== DEFAULT_GITHUB_API;

/**
 * BUILD_REPORTER stores updates in the report outbox (REPORT_OUTBOX, from the global StoreModule);
 * OutboxDelivery sends them with GITHUB_CLIENT, run by the worker on a timer under a lease.
 * REPO_CREDENTIALS gives builds the token their clones send to the GitHub host.
 * App mode (`isGitHubApp`): GITHUB_APP_AUTH is the App (null otherwise), updates are stored and
 * sent as check runs (their ids in CHECK_RUN_IDS, their logs read from LOG_ARCHIVE, both from
 * the StoreModule), and HOOK_DELIVERIES (null otherwise) lists and redelivers the App's webhooks.
 */
@Module({
  providers: [
    {
      provide: GITHUB_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new OctokitGitHubClient(config.github.apiUrl, config.github.token),
    },
    {
      provide: GITHUB_PERMISSIONS,
      inject: [APP_CONFIG, GITHUB_APP_AUTH],
      useFactory: (config: AppConfig, app: GitHubAppAuth | null) => new OctokitGitHubPermissions(config.github.apiUrl, config.github.token, app),
    },
    {
      provide: GITHUB_APP_AUTH,
      inject: [APP_CONFIG],
      useFactory: ({ github }: AppConfig): GitHubAppAuth | null =>
        github.appId && github.appPrivateKey ? new OctokitAppAuth({ appId: github.appId, privateKey: github.appPrivateKey, apiUrl: github.apiUrl }) : null,
    },
    {
      provide: REPO_CREDENTIALS,
      inject: [APP_CONFIG, GITHUB_APP_AUTH],
      useFactory: (config: AppConfig, app: GitHubAppAuth | null) => new GitHubRepoCredentials(config.github.token, app),
    },
    {
      provide: HOOK_DELIVERIES,
      inject: [APP_CONFIG, GITHUB_APP_AUTH],
      useFactory: (config: AppConfig, app: GitHubAppAuth | null) => (app ? new OctokitHookDeliveries(config.github.apiUrl, app) : null),
    },
    {
      provide: BUILD_REPORTER,
      inject: [REPORT_OUTBOX, APP_CONFIG, LOG_ARCHIVE],
      useFactory: (outbox: ReportOutbox, config: AppConfig, logs: LogArchive) =>
        // Without a token for github.com, say so in the log once per build instead of storing reports nobody can send.
        canReportToGitHub(config)
          ? new OutboxReporter(outbox, config.publicUrl, config.secrets, isGitHubApp(config) ? { logs } : undefined)
          : new SilentReporter('commit statuses are not reported: GITHUB_TOKEN is not set'),
    },
    {
      provide: OutboxDelivery,
      inject: [REPORT_OUTBOX, GITHUB_CLIENT, APP_CONFIG, GITHUB_APP_AUTH, CHECK_RUN_IDS],
      useFactory: (outbox: ReportOutbox, github: GitHubClient, config: AppConfig, app: GitHubAppAuth | null, ids: CheckRunIds) => {
        const logger = new Logger(OutboxDelivery.name);
        const sender = app ? new CheckRunSender(ids, new OctokitCheckRuns(config.github.apiUrl, app), app, github) : github;
        return new OutboxDelivery(outbox, sender, { warn: (message) => logger.warn(message) });
      },
    },
  ],
  exports: [GITHUB_CLIENT, GITHUB_PERMISSIONS, GITHUB_APP_AUTH, REPO_CREDENTIALS, HOOK_DELIVERIES, BUILD_REPORTER, OutboxDelivery],
})
export class GitHubModule {}
