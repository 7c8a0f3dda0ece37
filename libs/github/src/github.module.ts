import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_REPORTER, CommitStatusReporter } from './build-reporter.js';
import { GITHUB_CLIENT, type GitHubClient } from './github-client.js';
import { OctokitGitHubClient } from './octokit-github-client.js';

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
      useFactory: (github: GitHubClient, config: AppConfig) => new CommitStatusReporter(github, config.publicUrl),
    },
  ],
  exports: [GITHUB_CLIENT, BUILD_REPORTER],
})
export class GitHubModule {}
