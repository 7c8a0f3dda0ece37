import { describeDockerEngineContract } from '../contracts/docker-engine.contract.js';
import { FakeDockerEngine } from './fake-docker-engine.js';

describeDockerEngineContract('FakeDockerEngine', async () => {
  const engine = new FakeDockerEngine();
  engine.downRegistries.add('127.0.0.1:9');
  return {
    engine,
    registry: 'registry.test:5000',
    downRegistry: '127.0.0.1:9',
    hasImage: (reference) => engine.hasImage(reference),
    prepare: (kind, dockerfile) => {
      if (kind === 'failing') engine.script(dockerfile, { buildFails: 'RUN exit 7 exited with 7' });
      if (kind === 'slow') engine.script(dockerfile, { buildDelayMs: 120_000 });
    },
  };
});
