import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BuildEngines } from '@drydock/docker';

/**
 * What every BuildEngines must do, run against FakeBuildEngines (unit tier) and the pool that
 * starts real engines (integration tier, two engines at most). `open(1)` gives a pool that may
 * run one engine at once.
 */
export function describeBuildEnginesContract(name: string, open: (maxEngines: number) => Promise<BuildEngines>, timeoutMs = 5_000): void {
  describe(`BuildEngines contract: ${name}`, () => {
    let engines: BuildEngines;

    beforeAll(async () => {
      engines = await open(1);
    }, timeoutMs);

    afterAll(async () => {
      await engines?.stopAll();
    }, timeoutMs);

    it('gives a repository its own engine, the same to its next build; another repository waits for the one slot, then gets another engine', async () => {
      const a1 = await engines.acquire({ repo: 'contract/a' });
      const a2 = await engines.acquire({ repo: 'contract/a' });
      expect(a2.engine).toBe(a1.engine);
      await expect(a1.engine.engineInfo()).resolves.toEqual(expect.objectContaining({ engineVersion: expect.any(String) }));

      let waited = true;
      const b = engines.acquire({ repo: 'contract/b' }).then((lease) => ((waited = false), lease));
      a1.release();
      a1.release(); // idempotent: a2 still holds the engine
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(waited).toBe(true);
      a2.release();
      const lease = await b;
      expect(lease.engine).not.toBe(a1.engine);
      await expect(lease.engine.engineInfo()).resolves.toEqual(expect.objectContaining({ engineVersion: expect.any(String) }));
      lease.release();
    }, timeoutMs * 2);

    it('stops waiting for a busy pool when the request is aborted', async () => {
      const held = await engines.acquire({ repo: 'contract/b' });
      const abort = new AbortController();
      const waiting = engines.acquire({ repo: 'contract/c', signal: abort.signal });
      abort.abort();
      await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
      held.release();
    }, timeoutMs);

    it('starts a repository\'s engine again after it was stopped for another', async () => {
      const again = await engines.acquire({ repo: 'contract/a' });
      await expect(again.engine.engineInfo()).resolves.toEqual(expect.objectContaining({ engineVersion: expect.any(String) }));
      again.release();
    }, timeoutMs * 2);
  });
}
