import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeDockerEngineContract, testServices } from '@drydock/testing';
import { CliDockerEngine } from './cli-docker-engine.js';

const { dockerCli, dockerHost, registry, registryCredentials } = testServices();
const run = promisify(execFile);

describeDockerEngineContract('CliDockerEngine on the test engine', async () => ({
  // Two quick attempts at a registry that is down: the retry itself is registry-retry.spec.ts's.
  engine: new CliDockerEngine({ dockerCli, dockerHost, registry: { host: registry, ...registryCredentials }, registryRetry: { attempts: 2, firstDelayMs: 100 } }),
  registry,
  // Port 9 (discard) on loopback: nothing listens there.
  downRegistry: '127.0.0.1:9',
  hasImage: async (reference) => {
    const env = { ...process.env, DOCKER_HOST: dockerHost };
    const { stdout } = await run(dockerCli, ['image', 'ls', '-q', reference], { env });
    return stdout.trim() !== '';
  },
}));
