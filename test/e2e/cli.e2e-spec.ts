import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import {
  freePort,
  getBuild,
  startDrydock,
  startE2eWorld,
  testServices,
  waitForBuild,
  type DrydockStack,
  type E2eWorld,
  type RepoFiles,
} from '@drydock/testing';

const TOKEN = 'cli-token-abcdef';
const CLI = path.resolve('bin/drydock.js');
/** The git server's acme/cli-* repositories may be built by URL. */
const ALLOWED_REPOS = '127.0.0.1:*/acme/cli-*';

let world: E2eWorld;
let drydock: DrydockStack;

beforeAll(async () => {
  world = await startE2eWorld({ env: { DRYDOCK_API_TOKEN: TOKEN, DRYDOCK_ALLOWED_REPOS: ALLOWED_REPOS } });
  ({ drydock } = world);
});

afterAll(() => world?.stop());

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function drydockCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', DRYDOCK_URL: drydock.url, DRYDOCK_API_TOKEN: TOKEN, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const repoWith = (files: RepoFiles) => world.repo(files, 'cli');
const PASSES: RepoFiles = { Dockerfile: 'FROM busybox:latest\nCMD ["echo", "ok"]\n', '.drydock.yml': 'images:\n  - test: "echo testing the cli build"\n' };
const FAILS: RepoFiles = { Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "exit 4"\n' };

describe('drydock CLI against a running Drydock', () => {
  let built: Build;

  it('trigger --wait builds a git URL and exits 0 on success, printing the tags', async () => {
    const repo = await repoWith(PASSES);
    const result = await drydockCli(['trigger', repo.cloneUrl, '--ref', 'main', '--wait']);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain('success');
    expect(result.stdout).toContain(`sha-${repo.sha.slice(0, 7)}`);
    const list = (await (await fetch(`${drydock.url}/api/builds?repo=${repo.fullName}`)).json()) as { items: Build[] };
    built = list.items[0];
    expect(built).toMatchObject({ status: 'success', sha: repo.sha });
  });

  it('trigger --wait exits 1 when the build fails', async () => {
    const repo = await repoWith(FAILS);
    const result = await drydockCli(['trigger', repo.cloneUrl, '--ref', 'main', '--wait']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('failure');
  });

  it('watch follows a build started without --wait to its end: 0 when it succeeds, 1 when it fails; logs -f --exit-status the same', async () => {
    for (const [files, code] of [[PASSES, 0], [FAILS, 1]] as const) {
      const repo = await repoWith(files);
      const { id } = JSON.parse((await drydockCli(['trigger', repo.cloneUrl, '--ref', 'main', '--json'])).stdout) as Build;
      const watched = await drydockCli(['watch', String(id)]);
      expect(watched.code).toBe(code);
      expect(watched.stdout).toMatch(new RegExp(`^  build .*${code === 0 ? 'success' : ''}`, 'm'));
      expect(watched.stdout).toMatch(new RegExp(`^#${id} ${code === 0 ? 'success' : 'failure'} in `, 'm'));
      expect((await drydockCli(['logs', String(id), '-f', '--exit-status'])).code).toBe(code);
    }
  });

  it('lists builds as a table and as JSON, filtered', async () => {
    const table = await drydockCli(['builds', '--repo', built.repo]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${built.id}\\s+success\\s+${built.repo}`));
    const json = await drydockCli(['builds', '--status', 'failure', '--json']);
    const page = JSON.parse(json.stdout) as { items: Build[] };
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((b) => b.status === 'failure')).toBe(true);
  });

  it('shows a build with its steps and images', async () => {
    const shown = await drydockCli(['show', String(built.id)]);
    expect(shown.code).toBe(0);
    for (const word of ['clone', 'build', 'test', 'push', built.images[0].digest!]) expect(shown.stdout).toContain(word);
    expect(JSON.parse((await drydockCli(['show', String(built.id), '--json'])).stdout)).toMatchObject({ id: built.id, status: 'success' });
  });

  it('prints logs, and follows a running build to its end', async () => {
    const logs = await drydockCli(['logs', String(built.id)]);
    expect(logs.stdout).toContain('testing the cli build');
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "for i in 1 2 3; do echo follow $i; sleep 1; done"\n' });
    const started = await drydockCli(['trigger', repo.cloneUrl, '--ref', 'main', '--json']);
    const id = (JSON.parse(started.stdout) as Build).id;
    const followed = await drydockCli(['logs', String(id), '-f']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/follow 1[\s\S]*follow 3/);
    expect((await getBuild(drydock.url, id)).status).toBe('success');
  });

  it('rebuilds with --wait and cancels', async () => {
    const rebuilt = await drydockCli(['rebuild', String(built.id), '--wait', '--json']);
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ rebuildOf: built.id, sha: built.sha, status: 'success' });

    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "sleep 120"\n' });
    const id = (JSON.parse((await drydockCli(['trigger', repo.cloneUrl, '--ref', 'main', '--json'])).stdout) as Build).id;
    await waitForBuild(drydock.url, id, { until: (b) => b.status === 'running' });
    const cancelled = await drydockCli(['cancel', String(id)]);
    expect(cancelled.code).toBe(0);
    expect((await waitForBuild(drydock.url, id, { timeoutMs: 10_000 })).status).toBe('cancelled');
  });

  it('explains errors without stack traces', async () => {
    const unknown = await drydockCli(['show', '987654']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('build 987654 not found');

    const noTokenDir = mkdtempSync(path.join(testServices().dataDir, 'cli-no-token-'));
    const noToken = await drydockCli(['rebuild', String(built.id)], { DRYDOCK_API_TOKEN: '', DRYDOCK_DATA_DIR: noTokenDir });
    rmSync(noTokenDir, { recursive: true, force: true });
    expect(noToken.code).toBe(4); // authentication failures have their own exit code
    expect(noToken.stderr).toContain('DRYDOCK_API_TOKEN');

    const down = await drydockCli(['builds'], { DRYDOCK_URL: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach Drydock/);

    for (const result of [unknown, noToken, down]) expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the API token Drydock generates when none is set', () => {
  it('is made at first start (0600, its place logged, not its value), refuses callers without it, and serves the CLI with only the file', async () => {
    const home = mkdtempSync(path.join(testServices().dataDir, 'cli-home-'));
    const dataDir = path.join(home, 'data'); // the CLI's default data dir, ./data, when run in `home`
    const stack = await startDrydock({
      githubApiUrl: world.github.url,
      mode: 'split', // the API and the worker start at once, and must agree on one token
      env: { DRYDOCK_API_TOKEN: '', DRYDOCK_DATA_DIR: dataDir, DRYDOCK_ALLOWED_REPOS: ALLOWED_REPOS },
    });
    try {
      const file = path.join(dataDir, 'api-token');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(stack.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(stack.output()).toContain(file);
      expect(stack.output()).not.toContain(stack.token);

      const repo = await repoWith(PASSES);
      const body = JSON.stringify({ repo: repo.cloneUrl, ref: 'main' });
      const anonymous = await fetch(`${stack.url}/api/builds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(anonymous.status).toBe(401);

      const cli = (args: string[]) => drydockCli(args, { DRYDOCK_URL: stack.url, DRYDOCK_API_TOKEN: '' }, home);
      const triggered = await cli(['trigger', repo.cloneUrl, '--ref', 'main', '--wait', '--json']);
      expect(triggered.code).toBe(0);
      const build = JSON.parse(triggered.stdout) as Build;
      expect(build).toMatchObject({ status: 'success', sha: repo.sha });
      const rebuilt = await cli(['rebuild', String(build.id), '--wait', '--json']);
      expect(rebuilt.code).toBe(0);
      expect(JSON.parse(rebuilt.stdout)).toMatchObject({ rebuildOf: build.id, status: 'success' });
    } finally {
      await stack.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
