import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import {
  type FakeGitHubServer,
  getBuild,
  startDrydock,
  startE2eWorld,
  waitForBuild,
  type DrydockStack,
  type E2eWorld,
  type RepoFiles,
  type TempRepo,
} from '@drydock/testing';

const TOKEN = 'api-token-0123456789';
const GITHUB_TOKEN = 'ghs_supersecrettoken42';

let world: E2eWorld;
let github: FakeGitHubServer;
let drydock: DrydockStack;

beforeAll(async () => {
  // Manual builds by URL: the git server's acme/api-* repositories, as an operator would allow them.
  const env = { DRYDOCK_API_TOKEN: TOKEN, GITHUB_TOKEN, DRYDOCK_CONCURRENCY: '1', DRYDOCK_ALLOWED_REPOS: '127.0.0.1:*/acme/api-*' };
  world = await startE2eWorld({ env });
  ({ github, drydock } = world);
});

afterAll(() => world?.stop());

const QUICK: RepoFiles = { Dockerfile: 'FROM busybox:latest\nCMD ["echo", "quick"]\n' };
const SLOW_TEST: RepoFiles = {
  Dockerfile: 'FROM busybox:latest\n',
  '.drydock.yml': 'images:\n  - test: "for i in 1 2 3 4 5 6; do echo tick $i; sleep 1; done"\n',
};
const HANGS: RepoFiles = { Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "echo started; sleep 300"\n' };

const repoWith = (files: RepoFiles): Promise<TempRepo> => world.repo(files, 'api');

function api(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const token = init.token === undefined ? TOKEN : init.token;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers as Record<string, string>) };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${drydock.url}${path}`, { ...init, headers });
}

const pushBuild = (repo: TempRepo): Promise<number> => world.push(repo);

describe('build history', () => {
  it('lists newest first with filters and a cursor that is stable under inserts', async () => {
    const repo = await repoWith(QUICK);
    const ids = [await pushBuild(repo)];
    for (let i = 0; i < 2; i++) ids.push((await (await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: repo.fullName, ref: 'main' }) })).json() as Build).id);
    await Promise.all(ids.map((id) => waitForBuild(drydock.url, id)));

    const first = (await (await api(`/api/builds?repo=${repo.fullName}&limit=2`)).json()) as { items: Build[]; nextCursor: string };
    expect(first.items.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    const newer = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: repo.fullName, ref: 'main' }) });
    const second = (await (await api(`/api/builds?repo=${repo.fullName}&limit=2&cursor=${first.nextCursor}`)).json()) as { items: Build[]; nextCursor: string | null };
    expect(second.items.map((b) => b.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    await waitForBuild(drydock.url, ((await newer.json()) as Build).id);

    const filtered = (await (await api(`/api/builds?repo=${repo.fullName}&status=success&branch=main`)).json()) as { items: Build[] };
    expect(filtered.items.length).toBe(4);
    expect(filtered.items.every((b) => b.status === 'success' && b.repo === repo.fullName)).toBe(true);
    expect((await api('/api/builds?status=bogus')).status).toBe(400);
    expect((await api('/api/builds?limit=1000')).status).toBe(400);
  });

  it('answers 404 for an unknown build and 400 for a non-numeric id', async () => {
    expect((await api('/api/builds/999999')).status).toBe(404);
    expect(((await (await api('/api/builds/999999')).json()) as { message: string }).message).toBe('build 999999 not found');
    expect((await api('/api/builds/abc')).status).toBe(400);
    expect((await api('/api/builds/999999/logs')).status).toBe(404);
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await (await fetch(`${drydock.url}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/builds', '/api/builds/{id}', '/api/builds/{id}/cancel']));
  });

  it('reports health', async () => {
    const res = await fetch(`${drydock.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ redis: 'ok', database: 'ok' });
  });
});

describe('triggering and rebuilding', () => {
  it('builds a git URL at a ref, and validates the body', async () => {
    const repo = await repoWith(QUICK);
    const res = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: repo.cloneUrl, ref: 'main' }) });
    expect(res.status).toBe(201);
    const build = await waitForBuild(drydock.url, ((await res.json()) as Build).id);
    expect(build).toMatchObject({ status: 'success', event: 'manual', repo: repo.fullName, sha: repo.sha, ref: 'refs/heads/main' });

    const bad = await api('/api/builds', { method: 'POST', body: JSON.stringify({ ref: 'main' }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('repo');
    expect((await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: 'never/seen', ref: 'main' }) })).status).toBe(404);
    expect((await api('/api/builds', { method: 'POST', body: '{"repo":' })).status).toBe(400);
  });

  it('rebuilds the same commit as a new build linked to the original', async () => {
    const repo = await repoWith(QUICK);
    const original = await waitForBuild(drydock.url, await pushBuild(repo));
    await repo.commit({ 'later.txt': 'a newer commit on main' });
    const res = await api(`/api/builds/${original.id}/rebuild`, { method: 'POST' });
    expect(res.status).toBe(201);
    const rebuilt = await waitForBuild(drydock.url, ((await res.json()) as Build).id);
    expect(rebuilt).toMatchObject({ status: 'success', event: 'rebuild', rebuildOf: original.id, sha: original.sha });
    expect(rebuilt.id).not.toBe(original.id);
  });
});

describe('auth', () => {
  it('needs the bearer token for mutating calls but not for reads', async () => {
    const repo = await repoWith(QUICK);
    const body = JSON.stringify({ repo: repo.cloneUrl, ref: 'main' });
    expect((await api('/api/builds', { method: 'POST', body, token: null })).status).toBe(401);
    expect((await api('/api/builds', { method: 'POST', body, token: 'wrong' })).status).toBe(401);
    expect((await api('/api/builds/1/cancel', { method: 'POST', token: null })).status).toBe(401);
    expect((await api('/api/builds', { token: null })).status).toBe(200);
    expect((await api('/api/docs-json', { token: null })).status).toBe(200);
  });

  it('with DRYDOCK_READ_TOKEN_REQUIRED=true needs the token for reads and /api/docs too, but not for /healthz', async () => {
    const closed = await startDrydock({ githubApiUrl: github.url, mode: 'api', env: { DRYDOCK_READ_TOKEN_REQUIRED: 'true' } });
    try {
      for (const path of ['/api/builds', '/api/builds/1', '/api/builds/1/logs', '/api/docs', '/api/docs-json']) {
        expect({ path, status: (await fetch(`${closed.url}${path}`)).status }).toEqual({ path, status: 401 });
      }
      expect((await closed.api('/api/builds')).status).toBe(200);
      expect((await closed.api('/api/docs-json')).status).toBe(200);
      expect((await fetch(`${closed.url}/healthz`)).status).toBe(200);
    } finally {
      await closed.stop();
    }
  });
});

describe('manual builds of known repositories', () => {
  it('refuses a clone URL neither known from a webhook nor allowed, naming DRYDOCK_ALLOWED_REPOS', async () => {
    const stranger = await world.repo(QUICK, 'stranger');
    for (const repo of [stranger.cloneUrl, 'https://evil.example/acme/api-app.git']) {
      const res = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo, ref: 'main' }) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toContain('DRYDOCK_ALLOWED_REPOS');
    }
    expect((await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: stranger.fullName, ref: 'main' }) })).status).toBe(404);

    // Once its signed webhook has named it, the repository is known: by name and by that URL.
    await waitForBuild(drydock.url, await pushBuild(stranger));
    for (const repo of [stranger.fullName, stranger.cloneUrl]) {
      const res = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo, ref: 'main' }) });
      expect(res.status).toBe(201);
      expect((await res.json()) as Build).toMatchObject({ repo: stranger.fullName, event: 'manual', ref: 'refs/heads/main' });
    }
  });

  it('answers 422 for a sha not reachable from the ref, and builds one that is', async () => {
    const repo = await repoWith(QUICK);
    const onFeature = await repo.commit({ 'feature.txt': 'only on the feature branch' }, { branch: 'feature' });
    const refused = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: repo.cloneUrl, ref: 'main', sha: onFeature }) });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toContain(onFeature);
    const res = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: repo.cloneUrl, ref: 'feature', sha: repo.sha.slice(0, 7) }) });
    expect(res.status).toBe(201);
    expect(await waitForBuild(drydock.url, ((await res.json()) as Build).id)).toMatchObject({ status: 'success', sha: repo.sha, ref: 'refs/heads/feature' });
  });

  it('never stores credentials given in a clone URL', async () => {
    const repo = await repoWith(QUICK);
    const withCredentials = repo.cloneUrl.replace('http://', 'http://someone:pw-in-the-url@');
    const res = await api('/api/builds', { method: 'POST', body: JSON.stringify({ repo: withCredentials, ref: 'main' }) });
    expect(res.status).toBe(201);
    const build = await waitForBuild(drydock.url, ((await res.json()) as Build).id);
    expect(build).toMatchObject({ status: 'success', cloneUrl: repo.cloneUrl });
    expect(await (await api(`/api/builds/${build.id}/logs`)).text()).not.toContain('pw-in-the-url');
    expect(drydock.output()).not.toContain('pw-in-the-url');
  });
});

describe('cancel', () => {
  it('stops a running build within seconds, removes its containers and reports error', async () => {
    const repo = await repoWith(HANGS);
    const id = await pushBuild(repo);
    await waitForBuild(drydock.url, id, { until: (b) => b.steps.some((s) => s.name === 'test' && s.status === 'running'), timeoutMs: 60_000 });
    await waitFor(() => world.docker('ps', '-q', '--filter', `label=drydock.build=${id}`).trim() !== '', 20_000);

    const asked = Date.now();
    const res = await api(`/api/builds/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    const build = await waitForBuild(drydock.url, id, { timeoutMs: 10_000 });
    expect(build.status).toBe('cancelled');
    await waitFor(() => world.docker('ps', '-aq', '--filter', `label=drydock.build=${id}`).trim() === '', 10_000 - (Date.now() - asked));
    expect((await github.waitForStatus(repo.sha, 'error', 'drydock', 10_000 - (Date.now() - asked))).description).toBe('Cancelled');
    expect((await api(`/api/builds/${id}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('never starts a queued build', async () => {
    const blocker = await pushBuild(await repoWith(SLOW_TEST));
    await waitForBuild(drydock.url, blocker, { until: (b) => b.status === 'running' });
    const repo = await repoWith(QUICK);
    const queued = await pushBuild(repo);
    expect((await getBuild(drydock.url, queued)).status).toBe('queued');
    expect((await api(`/api/builds/${queued}/cancel`, { method: 'POST' })).status).toBe(200);
    await waitForBuild(drydock.url, blocker);
    await new Promise((r) => setTimeout(r, 1500));
    const build = await getBuild(drydock.url, queued);
    expect(build).toMatchObject({ status: 'cancelled', startedAt: null });
    expect((await github.waitForStatus(repo.sha, 'error')).description).toBe('Cancelled');
  });
});

describe('logs', () => {
  it('streams lines of a running build as server-sent events and closes at the end', async () => {
    const repo = await repoWith(SLOW_TEST);
    const id = await pushBuild(repo);
    const res = await fetch(`${drydock.url}/api/builds/${id}/logs`, { headers: { accept: 'text/event-stream' } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let statusWhenTickSeen: string | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (!statusWhenTickSeen && text.includes('data: tick 1')) statusWhenTickSeen = (await getBuild(drydock.url, id)).status;
    }
    expect(statusWhenTickSeen).toBe('running');
    expect(text).toContain('data: tick 6');
    expect(text).toMatch(/event: end\ndata: \{"status":"success"\}/);
    expect(text.indexOf('data: ==> clone')).toBeLessThan(text.indexOf('data: tick 1'));
  });

  it('masks known secrets in stored and streamed logs', async () => {
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': `images:\n  - test: "echo the token is ${GITHUB_TOKEN}"\n` });
    const id = await pushBuild(repo);
    const streamed = await (await fetch(`${drydock.url}/api/builds/${id}/logs`, { headers: { accept: 'text/event-stream' } })).text();
    const stored = await (await fetch(`${drydock.url}/api/builds/${id}/logs`)).text();
    for (const log of [streamed, stored]) {
      expect(log).toContain('the token is ***');
      expect(log).not.toContain(GITHUB_TOKEN);
    }
  });
});

describe('secrets', () => {
  it('shows no secret in any API answer, log or status when a build fails on purpose with them', async () => {
    const leak = `echo leaking ${GITHUB_TOKEN} and ${TOKEN}; exit 3`;
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': `images:\n  - test: "${leak}"\n` });
    const id = await pushBuild(repo);
    const build = await waitForBuild(drydock.url, id);
    expect(build).toMatchObject({ status: 'failure', error: 'Test failed: "echo leaking *** and ***; exit 3" exited with 3' });
    expect((await github.waitForStatus(repo.sha, 'failure')).description).toContain('echo leaking *** and ***');

    const seen = {
      build: await (await api(`/api/builds/${id}`)).text(),
      list: await (await api(`/api/builds?repo=${repo.fullName}`)).text(),
      log: await (await api(`/api/builds/${id}/logs`)).text(),
      stream: await (await api(`/api/builds/${id}/logs`, { headers: { accept: 'text/event-stream' } })).text(),
      rebuild: await (await api(`/api/builds/${id}/rebuild`, { method: 'POST' })).text(),
      health: await (await fetch(`${drydock.url}/healthz`)).text(),
      // What GitHub was told, less the Authorization header that legitimately carries GITHUB_TOKEN to it.
      statuses: JSON.stringify(github.statuses.filter((s) => s.sha === repo.sha).map(({ authorization: _, ...status }) => status)),
      processes: drydock.output(),
    };
    expect(seen.log).toContain('leaking *** and ***');
    for (const [where, text] of Object.entries(seen)) {
      expect({ where, leaksGitHubToken: text.includes(GITHUB_TOKEN), leaksApiToken: text.includes(TOKEN) }).toEqual({ where, leaksGitHubToken: false, leaksApiToken: false });
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + Math.max(timeoutMs, 0);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
