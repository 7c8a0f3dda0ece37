import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { GIT_CLIENT } from './git-client.js';
import { SimpleGitClient } from './simple-git-client.js';

/** Binds GIT_CLIENT to the simple-git adapter, configured from APP_CONFIG. */
@Module({
  providers: [{ provide: GIT_CLIENT, useFactory: (config: AppConfig) => SimpleGitClient.fromConfig(config), inject: [APP_CONFIG] }],
  exports: [GIT_CLIENT],
})
export class GitModule {}
