import { describe, expect, it } from '@jest/globals';
import { DrydockError } from '@drydock/core';
import { SingleBuildEngines } from './build-engines.js';
import type { DockerEngine } from './docker-engine.js';

describe('SingleBuildEngines', () => {
  const engine = {} as DockerEngine; // never called: the pool only hands it out

  it('hands every repository the one engine', async () => {
    const engines = new SingleBuildEngines(engine);
    expect((await engines.acquire({ repo: 'acme/a' })).engine).toBe(engine);
    expect((await engines.acquire({ repo: 'acme/b', ephemeral: false })).engine).toBe(engine);
  });

  it('refuses a throwaway engine (fork builds) with forbidden, naming DRYDOCK_ENGINES_DIR', async () => {
    const refused = new SingleBuildEngines(engine).acquire({ repo: 'acme/a', ephemeral: true });
    await expect(refused).rejects.toBeInstanceOf(DrydockError);
    await expect(refused).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('DRYDOCK_ENGINES_DIR') });
  });
});
