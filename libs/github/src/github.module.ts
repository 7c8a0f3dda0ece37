import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_REPORTER, OutboxReporter, SilentReporter } from './build-reporter.js';
import { GITHUB_CLIENT, type GitHubClient } from './github-client.js';
import { GITHUB_PERMISSIONS } from './github-permissions.js';
import { OctokitGitHubClient } from './octokit-github-client.js';
import { OctokitGitHubPermissions } from './octokit-github-permissions.js';
import { OutboxDelivery } from './outbox-delivery.js';
import { REPORT_OUTBOX, type ReportOutbox } from './report-outbox.js';

const DEFAULT_GITHUB_API = 'https://api.github.com';

/** github.com refuses unauthenticated status writes; any other API (Enterprise, a stand-in) may not. */
export const canReportToGitHub = (config: AppConfig): boolean => Boolean(config.github.token) || config.github.apiUrl !== DEFAULT_GITHUB_API;

/**
 * BUILD_REPORTER stores updates in the report outbox (REPORT_OUTBOX, from the global StoreModule);
 * OutboxDelivery sends them with GITHUB_CLIENT, run by the worker on a timer under a lease.
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
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new OctokitGitHubPermissions(config.github.apiUrl, config.github.token),
    },
    {
      provide: BUILD_REPORTER,
      inject: [REPORT_OUTBOX, APP_CONFIG],
      useFactory: (outbox: ReportOutbox, config: AppConfig) =>
        // Without a token for github.com, say so in the log once per build instead of storing reports nobody can send.
        canReportToGitHub(config)
          ? new OutboxReporter(outbox, config.publicUrl, config.secrets)
          : new SilentReporter('commit statuses are not reported: GITHUB_TOKEN is not set'),
    },
    {
      provide: OutboxDelivery,
      inject: [REPORT_OUTBOX, GITHUB_CLIENT],
      useFactory: (outbox: ReportOutbox, github: GitHubClient) => {
        const logger = new Logger(OutboxDelivery.name);
        return new OutboxDelivery(outbox, github, { warn: (message) => logger.warn(message) });
      },
    },
  ],
  exports: [GITHUB_CLIENT, GITHUB_PERMISSIONS, BUILD_REPORTER, OutboxDelivery],
})
export class GitHubModule {}
