import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createTempRepo, getBuild, pushPayload, testServices, waitForBuild, type GitHttpServer, type RepoFiles, type TempRepo } from '@drydock/testing';
import type { Build } from '@drydock/core';
import type { DrydockCluster, DrydockProcess } from './harness.js';

/**
 * What the run-ownership fault tests (worker-kill, worker-shutdown) look at from outside: which
 * worker runs a build, the containers a build has on the test engine, and every push the engine
 * made (its `push` events), so two runs that both pushed would show.
 */

export { sqliteWithUnusedBuildIds, startBuildIdsHigh } from '@drydock/testing';

/** A repository whose test step sleeps `seconds` (the build is mid-step long enough to be hit). */
export const sleepingBuild = (seconds: number): RepoFiles => ({
  Dockerfile: 'FROM busybox:latest\nRUN echo built > /built\n',
  '.drydock.yml': `images:\n  - test: ["sleep ${seconds}"]\n`,
});

/** A new repository on `git`, pushed to the cluster's API as GitHub would; resolves with it and the build it queued. */
export async function pushNewRepo(cluster: DrydockCluster, git: GitHttpServer, files: RepoFiles, prefix: string): Promise<{ repo: TempRepo; id: number }> {
  const repo = await createTempRepo(git, `acme/${prefix}-${randomUUID().slice(0, 8)}`, { files });
  const res = await cluster.deliver('push', pushPayload({ ref: 'refs/heads/main', sha: repo.sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }));
  const body = (await res.json()) as { builds?: Array<{ id: number }> };
  if (res.status !== 202 || body.builds?.length !== 1) throw new Error(`push answered ${res.status} ${JSON.stringify(body)}`);
  return { repo, id: body.builds[0].id };
}

/** Resolves once the build's `step` is running (as the API shows it). */
export function stepRunning(cluster: DrydockCluster, id: number, step: Build['steps'][number]['name'], timeoutMs = 90_000): Promise<Build> {
  return waitForBuild(cluster.url, id, { timeoutMs, until: (b) => b.steps.some((s) => s.name === step && s.status === 'running') });
}

/** The worker whose processor took the build's job (it logs `build <id>: started`). */
export function workerRunning(cluster: DrydockCluster, id: number): DrydockProcess {
  const started = new RegExp(`build ${id}: started`);
  const found = cluster.workers.filter((w) => started.test(w.output()));
  if (found.length !== 1) throw new Error(`build ${id} was started by ${found.length} workers:\n${cluster.output()}`);
  return found[0];
}

/** What the build's containers on the test engine are (ids), '' for none. */
export function containersOf(id: number): string {
  const { dockerCli, dockerHost } = testServices();
  return execFileSync(dockerCli, ['-H', dockerHost, 'ps', '-aq', '--filter', `label=drydock.build=${id}`], { encoding: 'utf8' }).trim();
}

/** Resolves once the build has a container on the test engine (its step is stored as running a moment before). */
export async function containerUp(id: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (containersOf(id) === '') {
    if (Date.now() > deadline) throw new Error(`build ${id} started no container in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every reference the test engine pushes from now on (its `push` events), until `stop`. */
export function watchPushes(): { pushed(): string[]; stop(): void } {
  const { dockerCli, dockerHost } = testServices();
  const events = spawn(dockerCli, ['-H', dockerHost, 'events', '--filter', 'type=image', '--filter', 'event=push', '--format', '{{.Actor.ID}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  events.stdout.on('data', (d: Buffer) => (text += d.toString()));
  return { pushed: () => text.split('\n').filter((line) => line !== ''), stop: () => events.kill() };
}

/** The references pushed for `repo` (`<registry>/<owner>/<name>:<tag>`), in order. */
export const pushesOf = (pushed: string[], repo: TempRepo): string[] => pushed.filter((ref) => ref.startsWith(`${testServices().registry}/${repo.fullName.toLowerCase()}:`));

/** The build's whole log as the API serves it. */
export async function logOf(cluster: DrydockCluster, id: number): Promise<string> {
  const res = await fetch(`${cluster.url}/api/builds/${id}/logs`);
  return res.text();
}

export { getBuild };
