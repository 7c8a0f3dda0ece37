import { describe, expect, it } from '@jest/globals';
import { DrydockError } from '@drydock/core';
import { withRegistryRetries } from './registry-retry.js';

/** An attempt that fails with each of `failures` in turn, then resolves 'pushed'. */
function scripted(...failures: DrydockError[]) {
  const calls: number[] = [];
  const attempt = async () => {
    calls.push(calls.length + 1);
    const failure = failures[calls.length - 1];
    if (failure) throw failure;
    return 'pushed';
  };
  return { attempt, calls };
}

const down = (message = 'push of r/a:1 failed: received unexpected HTTP status: 503 Service Unavailable') => new DrydockError('unavailable', message);
const retry = { attempts: 3, firstDelayMs: 5 };

describe('withRegistryRetries', () => {
  it('tries again while the registry is unavailable, saying so, until an attempt succeeds', async () => {
    const { attempt, calls } = scripted(down(), down());
    const log: string[] = [];
    await expect(withRegistryRetries(attempt, { signal: new AbortController().signal, onLog: (l) => log.push(l), retry })).resolves.toBe('pushed');
    expect(calls).toEqual([1, 2, 3]);
    expect(log).toEqual([
      'push of r/a:1 failed: received unexpected HTTP status: 503 Service Unavailable; retrying in 0s (attempt 2 of 3)',
      'push of r/a:1 failed: received unexpected HTTP status: 503 Service Unavailable; retrying in 0s (attempt 3 of 3)',
    ]);
  });

  it('backs off: each pause twice the one before', async () => {
    const { attempt } = scripted(down(), down(), down());
    const log: string[] = [];
    const started = Date.now();
    await withRegistryRetries(attempt, { signal: new AbortController().signal, onLog: (l) => log.push(l), retry: { attempts: 4, firstDelayMs: 100 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100 + 200 + 400 - 20);
    expect(log.map((l) => l.replace(/.*; /, ''))).toEqual(['retrying in 0.1s (attempt 2 of 4)', 'retrying in 0.2s (attempt 3 of 4)', 'retrying in 0.4s (attempt 4 of 4)']);
  });

  it("ends unavailable with the registry's last message once every attempt failed", async () => {
    const { attempt, calls } = scripted(down(), down(), down('push of r/a:1 failed: Get "http://r/v2/": EOF'));
    const err = await withRegistryRetries(attempt, { signal: new AbortController().signal, onLog: () => undefined, retry }).catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect(err).toMatchObject({ code: 'unavailable', message: 'push of r/a:1 failed: Get "http://r/v2/": EOF (3 attempts)' });
  });

  it('does not try again when the registry refused (a 4xx)', async () => {
    const { attempt, calls } = scripted(new DrydockError('push_failed', 'push of r/a:1 failed: denied: requested access to the resource is denied'));
    const log: string[] = [];
    const err = await withRegistryRetries(attempt, { signal: new AbortController().signal, onLog: (l) => log.push(l), retry }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'push_failed', message: 'push of r/a:1 failed: denied: requested access to the resource is denied' });
    expect(calls).toEqual([1]);
    expect(log).toEqual([]);
  });

  it('stops waiting and rejects cancelled when the signal aborts during a pause', async () => {
    const { attempt, calls } = scripted(down(), down());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await withRegistryRetries(attempt, { signal: controller.signal, onLog: () => undefined, retry: { attempts: 3, firstDelayMs: 10_000 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(calls).toEqual([1]);
  });
});
