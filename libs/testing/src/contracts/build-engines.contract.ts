import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BuildEngines } from '@drydock/docker';

/**
 * What every BuildEngines must do, run against FakeBuildEngines (unit tier) and the pool that
 * starts real engines (integration tier, two engines at most). `open(1)` gives a pool that may
 * run one engine at once. Pools that refuse ephemeral requests (`SingleBuildEngines`) are not subjects.
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

    it('gives each ephemeral request a new engine of its own, even for one repository, counted against the maximum', async () => {
      const first = await engines.acquire({ repo: 'contract/a', ephemeral: true });
      await expect(first.engine.engineInfo()).resolves.toEqual(expect.objectContaining({ engineVersion: expect.any(String) }));

      let waited = true;
      const second = engines.acquire({ repo: 'contract/a', ephemeral: true }).then((lease) => ((waited = false), lease));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(waited).toBe(true); // the one slot is the first throwaway engine's
      first.release();
      first.release(); // idempotent
      const lease = await second;
      expect(lease.engine).not.toBe(first.engine);
      await expect(lease.engine.engineInfo()).resolves.toEqual(expect.objectContaining({ engineVersion: expect.any(String) }));
      lease.release();
    }, timeoutMs * 3);

    it('never hands a throwaway engine to its repository\'s own builds, nor the repository\'s engine to an ephemeral request', async () => {
      const own = await engines.acquire({ repo: 'contract/a' });
      let waited = true;
      const throwaway = engines.acquire({ repo: 'contract/a', ephemeral: true }).then((lease) => ((waited = false), lease));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(waited).toBe(true); // not given the running engine of contract/a: it waits for the slot
      own.release();
      const lease = await throwaway;
      expect(lease.engine).not.toBe(own.engine);

      waited = true;
      const again = engines.acquire({ repo: 'contract/a' }).then((held) => ((waited = false), held));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(waited).toBe(true);
      lease.release();
      const next = await again;
      expect(next.engine).not.toBe(lease.engine);
      next.release();
    }, timeoutMs * 3);
  });
}
