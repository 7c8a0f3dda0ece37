import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll } from '@jest/globals';
import { describeBuildEnginesContract, testServices } from '@drydock/testing';
import { CliDockerEngine } from './cli-docker-engine.js';
import { ScriptBuildEngines } from './script-build-engines.js';

const { dockerCli, dockerHost, registry, registryCredentials, buildAllowNets, dataDir } = testServices();
let dir: string | undefined;

describeBuildEnginesContract(
  'ScriptBuildEngines starting real engines',
  async (maxEngines) => {
    dir = await mkdtemp(path.join(dataDir, 'engines-'));
    return new ScriptBuildEngines({
      dir,
      maxEngines,
      registryPort: Number(registry.split(':')[1]),
      buildAllowNets,
      baseImagesFrom: dockerHost,
      dockerCli,
      makeEngine: (host) => new CliDockerEngine({ dockerCli, dockerHost: host, registry: { host: registry, ...registryCredentials } }),
      check: async () => undefined,
      log: () => undefined,
    });
  },
  60_000,
);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});
