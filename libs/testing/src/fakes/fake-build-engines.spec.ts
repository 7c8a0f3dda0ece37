import { describe, expect, it } from '@jest/globals';
import { describeBuildEnginesContract } from '../contracts/build-engines.contract.js';
import { FakeBuildEngines } from './fake-build-engines.js';

describeBuildEnginesContract('FakeBuildEngines', async (maxEngines) => new FakeBuildEngines(maxEngines));

describe('FakeBuildEngines events', () => {
  it('mark a throwaway engine ephemeral: started for the acquire, scripted with throwawayFor, stopped at its release', async () => {
    const engines = new FakeBuildEngines(2);
    const scripted = engines.throwawayFor('acme/fork');
    const lease = await engines.acquire({ repo: 'acme/fork', ephemeral: true });
    expect(lease.engine).toBe(scripted);
    expect(engines.held()).toEqual({ 'acme/fork': 1 });
    lease.release();

    expect(engines.events).toEqual([
      { op: 'acquire', repo: 'acme/fork', ephemeral: true },
      { op: 'start', repo: 'acme/fork', ephemeral: true },
      { op: 'release', repo: 'acme/fork', ephemeral: true },
      { op: 'stop', repo: 'acme/fork', ephemeral: true },
    ]);
    expect(engines.held()).toEqual({});
  });
});
