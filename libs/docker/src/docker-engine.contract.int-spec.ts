import { describeDockerEngineContract, testServices } from '@drydock/testing';
import { CliDockerEngine } from './cli-docker-engine.js';

const { dockerCli, dockerHost, registry } = testServices();

describeDockerEngineContract('CliDockerEngine on the test engine', async () => ({
  engine: new CliDockerEngine({ dockerCli, dockerHost, registry: { host: registry } }),
  registry,
  // Port 9 (discard) on loopback: nothing listens there.
  downRegistry: '127.0.0.1:9',
}));
