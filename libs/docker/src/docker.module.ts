import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { CliDockerEngine } from './cli-docker-engine.js';
import { DOCKER_ENGINE } from './docker-engine.js';

/** Binds DOCKER_ENGINE to the docker CLI adapter, configured from APP_CONFIG. */
@Module({
  providers: [{ provide: DOCKER_ENGINE, useFactory: (config: AppConfig) => CliDockerEngine.fromConfig(config), inject: [APP_CONFIG] }],
  exports: [DOCKER_ENGINE],
})
export class DockerModule {}
