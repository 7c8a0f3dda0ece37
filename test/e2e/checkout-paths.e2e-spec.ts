import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { RegistryClient, startE2eWorld, testServices, waitForBuild, type E2eWorld, type TempRepo } from '@drydock/testing';

const execFileAsync = promisify(execFile);
const registry = new RegistryClient(testServices().registry, testServices().registryCredentials);
const IDENTITY = ['-c', 'user.name=Drydock Test', '-c', 'user.email=test@drydock.invalid', '-c', 'commit.gpgsign=false'];

let world: E2eWorld;
let hostDir: string;
beforeAll(async () => {
  world = await startE2eWorld();
  // What a build must never read: a directory of the build host, outside every checkout.
  hostDir = await mkdtemp(path.join(tmpdir(), 'drydock-host-'));
  await writeFile(path.join(hostDir, 'Dockerfile'), 'FROM busybox:latest\nCOPY host-secret /stolen\n');
  await writeFile(path.join(hostDir, 'host-secret'), 'the host secret\n');
  execFileSync('mkfifo', [path.join(hostDir, 'fifo')]);
});
afterAll(async () => {
  await world?.stop();
  if (hostDir) await rm(hostDir, { recursive: true, force: true });
});

/** Commits `files` and symlinks (`link -> target`, which git stores as such) onto the default branch; resolves with the sha. */
async function commitWithLinks(repo: TempRepo, files: Record<string, string>, links: Record<string, string>): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'drydock-links-'));
  const git = async (...args: string[]) => (await execFileAsync('git', [...IDENTITY, ...args], { cwd: work })).stdout.trim();
  try {
    await git('clone', '--quiet', repo.barePath, '.');
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await writeFile(path.join(work, name), text);
    }
    for (const [name, target] of Object.entries(links)) {
      await mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await symlink(target, path.join(work, name));
    }
    await git('add', '--all');
    await git('commit', '--quiet', '--message', 'links');
    await git('push', '--quiet', 'origin', `HEAD:refs/heads/${repo.defaultBranch}`);
    return await git('rev-parse', 'HEAD');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildOf(files: Record<string, string>, links: Record<string, string> = {}): Promise<{ repo: TempRepo; sha: string; build: Build }> {
  const repo = await world.repo({ 'README.md': 'x\n' });
  const sha = await commitWithLinks(repo, files, links);
  return { repo, sha, build: await waitForBuild(world.drydock.url, await world.push(repo, { sha }), { timeoutMs: 120_000 }) };
}

const imageBuildStarted = (build: Build) => build.steps.some((s) => s.name === 'build' && s.startedAt !== null);

describe('paths stay inside the checkout', () => {
  it('refuses a context symlinked to a host directory, building nothing and reading nothing', async () => {
    const { repo, sha, build } = await buildOf({ '.drydock.yml': 'images:\n  - context: ctx\n' }, { ctx: hostDir });
    expect(build.status).toBe('failure');
    expect(build.error).toContain('.drydock.yml: images[0].context: "ctx" leads out of the repository');
    expect(imageBuildStarted(build)).toBe(false);
    expect(await registry.tags(repo.fullName.toLowerCase())).toEqual([]);
    expect((await world.github.waitForStatus(sha, 'failure')).description).toContain('images[0].context');
  });

  it('refuses a symlink to a host path inside the build context, naming it', async () => {
    const { build } = await buildOf({ Dockerfile: 'FROM busybox:latest\nCOPY . /src\n' }, { 'data/host': hostDir });
    expect(build.status).toBe('failure');
    expect(build.error).toContain(`symlink "data/host" leads out of the repository (to "${hostDir}")`);
    expect(imageBuildStarted(build)).toBe(false);
  });

  it('refuses a compose build.context that climbs out of the checkout, naming the service and field', async () => {
    const compose = 'services:\n  sut:\n    build: { context: ../../../../.., dockerfile: Dockerfile }\n    command: cat /stolen\n';
    const { repo, build } = await buildOf({ Dockerfile: 'FROM busybox:latest\n', 'docker-compose.test.yml': compose });
    expect(build.status).toBe('failure');
    expect(build.error).toContain('docker-compose.test.yml: services.sut.build.context: ');
    expect(build.error).toContain('is outside the repository');
    expect(await registry.tags(repo.fullName.toLowerCase())).toEqual([]);
  });

  it.each([
    ['a FIFO on the host', () => path.join(hostDir, 'fifo')],
    ['/dev/zero', () => '/dev/zero'],
  ])('fails a build whose .drydock.yml links to %s within seconds, /healthz answering throughout', async (_what, target) => {
    const repo = await world.repo({ 'README.md': 'x\n' });
    const sha = await commitWithLinks(repo, { Dockerfile: 'FROM busybox:latest\n' }, { '.drydock.yml': target() });
    const started = Date.now();
    const id = await world.push(repo, { sha });
    let slowestHealth = 0;
    let healthy = true;
    const polling = (async () => {
      for (let i = 0; i < 25; i++) {
        const asked = Date.now();
        const res = await fetch(`${world.drydock.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
        healthy &&= res?.status === 200;
        slowestHealth = Math.max(slowestHealth, Date.now() - asked);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const build = await waitForBuild(world.drydock.url, id, { timeoutMs: 30_000 });
    await polling;
    expect(build.status).toBe('failure');
    expect(build.error).toContain('.drydock.yml: must be a regular file in the repository, not a symlink');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(healthy).toBe(true);
    expect(slowestHealth).toBeLessThan(5_000);
  });
});
