import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_REPORTER, CommitStatusReporter, SilentReporter } from './build-reporter.js';
import { GITHUB_CLIENT, type GitHubClient } from './github-client.js';
import { OctokitGitHubClient } from './octokit-github-client.js';

const DEFAULT_GITHUB_API = 'https://api.github.com';

@Module({
  providers: [
    {
      provide: GITHUB_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new OctokitGitHubClient(config.github.apiUrl, config.github.token),
    },
    {
      provide: BUILD_REPORTER,
      inject: [GITHUB_CLIENT, APP_CONFIG],
      useFactory: (github: GitHubClient, config: AppConfig) =>
        // github.com refuses unauthenticated status writes: without a token, say so in the log once per build instead of failing each report.
        config.github.token || config.github.apiUrl !== DEFAULT_GITHUB_API
          ? new CommitStatusReporter(github, config.publicUrl, config.secrets)
          : new SilentReporter('commit statuses are not reported: GITHUB_TOKEN is not set'),
    },
  ],
  exports: [GITHUB_CLIENT, BUILD_REPORTER],
})
export class GitHubModule {}
