import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_ENGINES, SingleBuildEngines, type BuildEngines } from './build-engines.js';
import { CliDockerEngine } from './cli-docker-engine.js';
import { DOCKER_ENGINE, type DockerEngine } from './docker-engine.js';
import { checkEngine } from './engine-requirements.js';
import { ScriptBuildEngines } from './script-build-engines.js';

/**
 * Binds DOCKER_ENGINE to the docker CLI adapter on DOCKER_HOST, and BUILD_ENGINES to an engine
 * per repository (DRYDOCK_ENGINES_DIR set) or to that one engine for all. Engines the pool
 * started are stopped at shutdown.
 */
@Module({
  providers: [
    { provide: DOCKER_ENGINE, useFactory: (config: AppConfig) => CliDockerEngine.fromConfig(config), inject: [APP_CONFIG] },
    { provide: BUILD_ENGINES, useFactory: buildEngines, inject: [APP_CONFIG, DOCKER_ENGINE] },
  ],
  exports: [DOCKER_ENGINE, BUILD_ENGINES],
})
export class DockerModule implements OnApplicationShutdown {
  constructor(@Inject(BUILD_ENGINES) private readonly engines: BuildEngines) {}

  async onApplicationShutdown(): Promise<void> {
    await this.engines.stopAll();
  }
}

async function buildEngines(config: AppConfig, docker: DockerEngine): Promise<BuildEngines> {
  if (!config.engines) return new SingleBuildEngines(docker);
  const logger = new Logger('BuildEngines');
  const pool = new ScriptBuildEngines({
    dir: config.engines.dir,
    maxEngines: config.engines.max,
    registryPort: registryPort(config.registry.host),
    buildAllowNets: config.buildAllowNets,
    baseImagesFrom: config.dockerHost,
    dockerCli: config.dockerCli,
    makeEngine: (dockerHost) => CliDockerEngine.fromConfig(config, dockerHost),
    check: async (engine) => {
      const warning = checkEngine(await engine.engineInfo(), config.allowOldEngine);
      if (warning) logger.warn(warning);
    },
    log: (message) => logger.log(message),
  });
  await pool.open(); // refuses a directory another live worker owns, before any build
  return pool;
}

/** `localhost:15000/ns` -> 15000; a registry without a port is on 443 (not forwarded into the engines then). */
function registryPort(host: string): number {
  const port = /^[^/:]+:(\d+)/.exec(host)?.[1];
  return port ? Number(port) : 443;
}
