import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { startE2eWorld, waitForBuild, type E2eWorld, type RepoFiles } from '@drydock/testing';
import { FaultRegistry } from './fault-registry.js';

/**
 * The registry stopped while a build is about to push (issue 15, "registry and engine hiccups"):
 * the push is tried again with backoff, each retry in the build's log, and goes through once the
 * registry is back; a registry gone for good ends the build `error` with docker's message about it,
 * after the push's backoff and one more try of the step. The registry is the tier's own
 * (`FaultRegistry`), stopped and started by the test; the workers' engines are per repository,
 * with its port forwarded into them.
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

/** A build whose test step lasts a few seconds: the registry is stopped while it runs, so the push meets it down. */
const slowTest = (): RepoFiles => ({
  Dockerfile: `FROM busybox:latest\nRUN echo ${randomUUID()} > /built\n`,
  '.drydock.yml': 'images:\n  - test: ["test -f /built", "sleep 3"]\n',
});

const logOf = async (id: number): Promise<string> => (await world.drydock.api(`/api/builds/${id}/logs`)).text();
const stepIs = (name: string, status: string) => (b: Build) => b.steps.some((s) => s.name === name && s.status === status);

/** Polls the build's log until it matches `pattern`. */
async function logMatches(id: number, pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await logOf(id);
    if (pattern.test(log)) return log;
    if (Date.now() > deadline) throw new Error(`build ${id}'s log never matched ${pattern}:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the registry stopped during a push', () => {
  it('and started again a few seconds later: the push is retried with backoff, said in the log, and the image pushed', async () => {
    const repo = await world.repo(slowTest(), 'registry-back');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id, { until: stepIs('test', 'running'), timeoutMs: 120_000 });
    await registry.stop();
    let stoppedFor: number;
    try {
      await logMatches(id, /failed: .*; retrying in \d+(\.\d)?s \(attempt 2 of 5\)/);
      const stoppedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      stoppedFor = Date.now() - stoppedAt;
    } finally {
      await registry.start();
    }
    const build = await waitForBuild(world.drydock.url, id, { timeoutMs: 180_000 });
    const log = await logOf(id);
    expect({ status: build.status, error: build.error }).toEqual({ status: 'success', error: null });
    expect(stoppedFor).toBeGreaterThanOrEqual(2000);
    const retries = log.split('\n').filter((line) => /; retrying in \d+(\.\d)?s \(attempt \d of 5\)$/.test(line));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatch(new RegExp(`^push of ${registry.host}/${repo.fullName.toLowerCase()}:sha-[0-9a-f]{7} failed: `));
    expect(retries[0]).toMatch(/EOF|connection refused|connection reset/);
    expect(log).not.toContain('trying it once more'); // the push's own backoff was enough
    const [image] = build.images;
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registry.client().digest(repo.fullName.toLowerCase(), image.tags[0])).toBe(image.digest);
  }, 300_000);

  it('and gone for good: the build ends error with the message docker got from the registry, after the backoff and one more try of the step', async () => {
    const repo = await world.repo(slowTest(), 'registry-gone');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id, { until: stepIs('test', 'running'), timeoutMs: 120_000 });
    await registry.stop();
    let build: Build;
    try {
      build = await waitForBuild(world.drydock.url, id, { timeoutMs: 240_000 });
    } finally {
      await registry.start();
    }
    const log = await logOf(id);
    expect(build.status).toBe('error');
    expect(build.steps.find((s) => s.name === 'push')?.status).toBe('error');
    const reference = `${registry.host}/${repo.fullName.toLowerCase()}:sha-[0-9a-f]{7}`;
    expect(build.error).toMatch(new RegExp(`^push of ${reference} failed: .*(EOF|connection refused|connection reset).* \\(5 attempts\\)$`));
    const lastRetries = log.split('\n').filter((line) => new RegExp(`^push of ${reference} failed: .*; retrying in .* \\(attempt 5 of 5\\)$`).test(line));
    expect(lastRetries).toHaveLength(2); // the step's two tries, each through the push's whole backoff
    const name = repo.fullName.split('/')[1];
    expect(log).toMatch(new RegExp(`\\[drydock\\] push ${name} failed for a reason outside the build \\(push of ${reference} failed: .*\\); trying it once more`));
    expect(log).toContain(`[drydock] could not keep ${name} for a retry`);
    expect(await registry.client().tags(repo.fullName.toLowerCase())).toEqual([]);
    await world.github.waitForStatus(repo.sha, 'error');
  }, 360_000);
});
