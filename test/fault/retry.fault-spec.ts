import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { startE2eWorld, waitForBuild, type E2eWorld } from '@drydock/testing';
import { FaultRegistry } from './fault-registry.js';

/**
 * Retry from the failed step (issue 15): a build whose push failed (the registry stopped) kept
 * the image it had built and tested in the registry once it was back; `drydock retry ID --wait`
 * starts a build linked to it that pulls that image by digest instead of running the build step
 * (nor the tests that passed), and pushes exactly that image. The registry is the tier's own
 * (`FaultRegistry`); the workers' engines are per repository, with its port forwarded into them.
 */
let world: E2eWorld;
let registry: FaultRegistry;
beforeAll(async () => {
  registry = await FaultRegistry.start();
  world = await startE2eWorld({ engines: true, env: registry.env() });
}, 60_000);
afterAll(async () => {
  await world?.stop();
  await registry?.close();
}, 60_000);

const CLI = path.resolve('bin/drydock.js');
const logOf = async (id: number): Promise<string> => (await world.drydock.api(`/api/builds/${id}/logs`)).text();
const stepOf = (build: Build, name: string) => build.steps.find((s) => s.name === name);

function drydockCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '', DRYDOCK_URL: world.drydock.url, DRYDOCK_API_TOKEN: world.drydock.token };
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a build retried from its failed step', () => {
  it('does not build again an image already built: the retry pulls it by digest and pushes that very image', async () => {
    const nonce = randomUUID();
    const repo = await world.repo(
      { Dockerfile: `FROM busybox:latest\nRUN echo ${nonce} > /built\n`, '.drydock.yml': 'images:\n  - test: ["test -f /built", "sleep 3"]\n' },
      'retry',
    );
    const name = repo.fullName.split('/')[1];
    const repository = repo.fullName.toLowerCase();
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id, { until: (b) => stepOf(b, 'test')?.status === 'running', timeoutMs: 120_000 });
    // Down for the whole push step (the push's backoff and its one more try), back before the build ends:
    // the failed build keeps its image once the registry answers again.
    await registry.stop();
    try {
      await waitForBuild(world.drydock.url, id, { until: (b) => stepOf(b, 'push')?.status === 'error', timeoutMs: 180_000 });
    } finally {
      await registry.start();
    }
    const failed = await waitForBuild(world.drydock.url, id, { timeoutMs: 120_000 });
    expect(failed).toMatchObject({ status: 'error', images: [] });
    expect(failed.keptImages).toEqual([
      { image: name, reference: `${registry.host}/drydock-retry/${repository}/${name}:build-${id}`, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), builtBy: id, tested: true },
    ]);
    const [kept] = failed.keptImages;
    expect(await registry.client().digest(`drydock-retry/${repository}/${name}`, `build-${id}`)).toBe(kept.digest);
    expect(await registry.client().tags(repository)).toEqual([]);

    const retried = await drydockCli(['retry', String(id), '--wait', '--json']);
    expect({ code: retried.code, stderr: retried.stderr }).toMatchObject({ code: 0 });
    const retry = JSON.parse(retried.stdout) as Build;
    expect(retry).toMatchObject({ status: 'success', retryOf: id, sha: failed.sha, ref: failed.ref });
    expect(retry.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(['clone: success', 'config: success', 'build: skipped', 'test: skipped', 'push: success']);
    expect(retry.images).toEqual([{ name: `${registry.host}/${repository}`, tags: expect.arrayContaining([`sha-${repo.sha.slice(0, 7)}`]), digest: kept.digest }]);
    for (const tag of retry.images[0].tags) expect(await registry.client().digest(repository, tag)).toBe(kept.digest);
    const log = await logOf(retry.id);
    expect(log).toContain(`==> build ${name} skipped: reused image built by build ${id} (${kept.digest})`);
    expect(log).toContain(`==> test ${name} skipped: its tests passed in build ${id}`);
    expect(log).not.toContain(nonce); // no RUN step ran, nor its output

    // Only a build that ended without success is retried.
    expect((await world.drydock.api(`/api/builds/${retry.id}/retry`, { method: 'POST' })).status).toBe(409);
    expect((await world.drydock.api('/api/builds/987654321/retry', { method: 'POST' })).status).toBe(404);
  }, 600_000);
});
