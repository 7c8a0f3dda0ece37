import { Logger, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { checkEngine, DOCKER_ENGINE, type DockerEngine, type EngineInfo } from '@drydock/docker';

/** Injected by nothing: the provider exists for its check, which Nest runs while it builds the worker. */
export const ENGINE_CHECKED = Symbol('EngineChecked');

/**
 * The worker refuses to start on an engine whose BuildKit is older than 0.12.5 (or that
 * does not answer): the factory throws, so the application context fails before any
 * provider's onModuleInit, and the queue's worker never takes a job. With
 * DRYDOCK_ALLOW_OLD_ENGINE it starts, with a warning.
 */
export const engineCheckProvider: Provider = {
  provide: ENGINE_CHECKED,
  inject: [DOCKER_ENGINE, APP_CONFIG],
  useFactory: async (docker: DockerEngine, config: AppConfig): Promise<EngineInfo> => {
    const info = await docker.engineInfo();
    const warning = checkEngine(info, config.allowOldEngine);
    if (warning) new Logger('EngineCheck').warn(warning);
    return info;
  },
};
