import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhooks } from '@octokit/webhooks';
import {
  createTempRepo,
  type FakeGitHubServer,
  pushPayload,
  RegistryClient,
  freePort,
  signedDelivery,
  startDrydock,
  startE2eWorld,
  testServices,
  waitForBuild,
  type DrydockStack,
  type E2eWorld,
  type GitHttpServer,
  type RepoFiles,
  type TempRepo,
} from '@drydock/testing';

const SECRET = 'e2e-webhook-secret';
const services = testServices();
const registry = new RegistryClient(services.registry);
const docker = (...args: string[]) => execFileSync('/usr/bin/docker', ['-H', services.dockerHost, ...args], { encoding: 'utf8' });

let world: E2eWorld;
let github: FakeGitHubServer;
let git: GitHttpServer;
let drydock: DrydockStack;

beforeAll(async () => {
  world = await startE2eWorld({ webhookSecret: SECRET });
  ({ github, git, drydock } = world);
});

afterAll(() => world?.stop());

const APP: RepoFiles = {
  Dockerfile: 'FROM busybox:latest\nARG GREETING=hello\nRUN echo "$GREETING from drydock" > /greeting\nCMD ["cat", "/greeting"]\n',
  '.drydock.yml': 'images:\n  - build_args: { GREETING: ahoy }\n    test:\n      - grep -q ahoy /greeting\n      - test "$(cat /greeting)" = "ahoy from drydock"\n',
};

async function repoWith(files: RepoFiles): Promise<TempRepo> {
  return createTempRepo(git, `acme/app-${randomUUID().slice(0, 8)}`, { files });
}

async function deliver(event: string, payload: unknown, deliveryId?: string, secret = SECRET): Promise<Response> {
  const { headers, body } = await signedDelivery(event, payload, secret, deliveryId);
  return fetch(`${drydock.url}/webhooks/github`, { method: 'POST', headers, body });
}

async function push(repo: TempRepo, ref: string, sha: string, deliveryId?: string): Promise<number> {
  const res = await deliver('push', pushPayload({ ref, sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }), deliveryId);
  expect(res.status).toBe(202);
  const body = (await res.json()) as { builds: Array<{ id: number }> };
  expect(body.builds).toHaveLength(1);
  return body.builds[0].id;
}

const imageOf = (repo: TempRepo) => repo.fullName.toLowerCase();

describe('a signed push becomes a tested, tagged image', () => {
  it('builds, tests, pushes sha/branch/latest tags and reports pending then success', async () => {
    const repo = await repoWith(APP);
    const id = await push(repo, 'refs/heads/main', repo.sha);
    const build = await waitForBuild(drydock.url, id);
    expect(build.status).toBe('success');

    const short = repo.sha.slice(0, 7);
    expect(await registry.tags(imageOf(repo))).toEqual(['latest', 'main', `sha-${short}`].sort());
    const digest = await registry.digest(imageOf(repo), 'latest');
    expect(build.images).toEqual([{ name: `${services.registry}/${imageOf(repo)}`, tags: [`sha-${short}`, 'main', 'latest'], digest }]);

    const ref = `${services.registry}/${imageOf(repo)}:sha-${short}`;
    docker('rmi', '-f', ref);
    expect(docker('run', '--rm', ref).trim()).toBe('ahoy from drydock');
    const labels = JSON.parse(docker('image', 'inspect', ref, '--format', '{{json .Config.Labels}}')) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe(repo.sha);

    expect(build.steps.map((s) => [s.name, s.status])).toEqual([
      ['clone', 'success'], ['config', 'success'], ['build', 'success'], ['test', 'success'], ['push', 'success'],
    ]);
    for (const step of build.steps) expect(Date.parse(step.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt!));

    const states = github.statusesFor(repo.sha).map((s) => s.state);
    expect(states[0]).toBe('pending');
    expect(states.at(-1)).toBe('success');
    expect(states.slice(0, -1).every((s) => s === 'pending')).toBe(true);
    for (const status of github.statusesFor(repo.sha)) expect(status.target_url).toBe(`${drydock.env.DRYDOCK_PUBLIC_URL}/builds/${id}`);

    const log = await (await fetch(`${drydock.url}/api/builds/${id}/logs`)).text();
    expect(log).toContain('==> build');
    expect(log).toContain(`grep -q ahoy /greeting`);
  });

  it('fails on a failing test and pushes nothing', async () => {
    const repo = await repoWith({ ...APP, '.drydock.yml': 'images:\n  - test: ["echo checking", "exit 3"]\n' });
    const build = await waitForBuild(drydock.url, await push(repo, 'refs/heads/main', repo.sha));
    expect(build.status).toBe('failure');
    expect(build.error).toContain('exit 3');
    expect(build.steps.find((s) => s.name === 'push')?.status).toBe('skipped');
    expect(await registry.tags(imageOf(repo))).toEqual([]);
    expect(github.statusesFor(repo.sha).at(-1)).toMatchObject({ state: 'failure' });
    expect(docker('ps', '-aq', '--filter', `label=drydock.build=${build.id}`).trim()).toBe('');
  });

  it('fails on a broken Dockerfile with the failing step in the log', async () => {
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\nRUN echo "about to break" && ls /no-such-dir\n' });
    const build = await waitForBuild(drydock.url, await push(repo, 'refs/heads/main', repo.sha));
    expect(build.status).toBe('failure');
    expect(build.steps.find((s) => s.name === 'build')?.status).toBe('failure');
    const log = await (await fetch(`${drydock.url}/api/builds/${build.id}/logs`)).text();
    expect(log).toContain('about to break');
    expect(log).toContain('/no-such-dir');
    expect(github.statusesFor(repo.sha).at(-1)?.state).toBe('failure');
    expect(await registry.tags(imageOf(repo))).toEqual([]);
  });

  it('names the field of a malformed .drydock.yml in the failure', async () => {
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - build_args: [not, a, map]\n' });
    const build = await waitForBuild(drydock.url, await push(repo, 'refs/heads/main', repo.sha));
    expect(build.status).toBe('failure');
    expect(build.error).toContain('images[0].build_args');
    expect(github.statusesFor(repo.sha).at(-1)?.description).toContain('images[0].build_args');
  });

  it('tags a v1.2.3 tag push with semver tags and a unicode branch with a valid slug', async () => {
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\nCMD ["echo", "tagged"]\n' });
    const tagSha = await repo.tag('v1.2.3');
    expect((await waitForBuild(drydock.url, await push(repo, 'refs/tags/v1.2.3', tagSha))).status).toBe('success');
    // git refuses spaces in ref names, so the unicode branch is as hostile as git allows (unit tests cover the rest).
    const branchSha = await repo.commit({ 'notes.txt': 'x' }, { branch: 'feature/Über-X' });
    expect((await waitForBuild(drydock.url, await push(repo, 'refs/heads/feature/Über-X', branchSha))).status).toBe('success');
    expect(await registry.tags(imageOf(repo))).toEqual(
      ['1', '1.2', '1.2.3', 'feature--ber-x', `sha-${tagSha.slice(0, 7)}`, `sha-${branchSha.slice(0, 7)}`].sort(),
    );
  });
});

describe('hostile names and a registry that is down', () => {
  it('builds a branch named like a shell command without running it', async () => {
    const marker = `/tmp/drydock-pwned-${randomUUID().slice(0, 8)}`;
    const branch = `feat/$(touch\${IFS}${marker})\`id\`;x`;
    const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n' });
    const sha = await repo.commit({ 'x.txt': 'x' }, { branch });
    const build = await waitForBuild(drydock.url, await push(repo, `refs/heads/${branch}`, sha));
    expect(build.status).toBe('success');
    expect(existsSync(marker)).toBe(false);
    const [, slug] = build.images[0].tags;
    expect(slug).toMatch(/^[a-z0-9_][a-z0-9._-]{0,127}$/);
    expect(await registry.tags(imageOf(repo))).toContain(slug);
  });

  it('ends in error, with the registry named, when the registry is down', async () => {
    const deadRegistry = await startDrydock({
      githubApiUrl: github.url,
      webhookSecret: SECRET,
      env: { DRYDOCK_REGISTRY: `127.0.0.1:${await freePort()}` },
    });
    try {
      const repo = await repoWith({ Dockerfile: 'FROM busybox:latest\n' });
      const { headers, body } = await signedDelivery('push', pushPayload({ ref: 'refs/heads/main', sha: repo.sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }), SECRET);
      const res = await fetch(`${deadRegistry.url}/webhooks/github`, { method: 'POST', headers, body });
      const { builds } = (await res.json()) as { builds: Array<{ id: number }> };
      const build = await waitForBuild(deadRegistry.url, builds[0].id);
      expect(build.status).toBe('error');
      expect(build.steps.find((s) => s.name === 'push')?.status).toBe('error');
      expect(build.error).toMatch(/push of 127\.0\.0\.1:\d+\/acme\/.* failed/);
      expect(github.statusesFor(repo.sha).at(-1)).toMatchObject({ state: 'error' });
    } finally {
      await deadRegistry.stop();
    }
  });
});

describe('tests from docker-compose.test.yml', () => {
  const SUT = (expected: string): RepoFiles => ({
    Dockerfile: 'FROM busybox:latest\nRUN mkdir /www && echo drydock-sut > /www/index.html\n',
    'docker-compose.test.yml': [
      'version: "2.4"',
      'services:',
      '  web:',
      '    image: ${DRYDOCK_IMAGE}',
      '    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      '  sut:',
      '    image: ${DRYDOCK_IMAGE}',
      '    depends_on: [web]',
      `    command: ["sh", "-c", "sleep 1; wget -qO- http://web:8080/index.html | grep -q ${expected}"]`,
      '',
    ].join('\n'),
  });

  it('passes when sut exits 0 and fails, unpushed, when it does not', async () => {
    const passing = await repoWith(SUT('drydock-sut'));
    const ok = await waitForBuild(drydock.url, await push(passing, 'refs/heads/main', passing.sha));
    expect(ok.status).toBe('success');
    expect(await registry.tags(imageOf(passing))).toContain('latest');

    const failing = await repoWith(SUT('something-else'));
    const bad = await waitForBuild(drydock.url, await push(failing, 'refs/heads/main', failing.sha));
    expect(bad.status).toBe('failure');
    expect(bad.error).toContain('sut');
    expect(await registry.tags(imageOf(failing))).toEqual([]);
    expect(docker('ps', '-aq', '--filter', `label=com.docker.compose.project=drydock-${bad.id}`).trim()).toBe('');
  });
});

describe('webhook input it must refuse', () => {
  it('answers ping', async () => {
    const res = await deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(res.status).toBe(200);
  });

  it('refuses a forged signature with 401 and queues nothing', async () => {
    const before = await listCount();
    const payload = pushPayload({ ref: 'refs/heads/main', sha: 'a'.repeat(40), cloneUrl: 'http://127.0.0.1:9/x.git', fullName: 'acme/forged' });
    const res = await deliver('push', payload, undefined, 'not-the-secret');
    expect(res.status).toBe(401);
    expect(await listCount()).toBe(before);
  });

  it('answers malformed JSON with 400', async () => {
    const body = '{"ref": "refs/heads/main",';
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await new Webhooks({ secret: SECRET }).sign(body),
    };
    const res = await fetch(`${drydock.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('starts nothing new for a redelivery', async () => {
    const repo = await repoWith(APP);
    const delivery = randomUUID();
    const first = await push(repo, 'refs/heads/main', repo.sha, delivery);
    const before = await listCount();
    const again = await push(repo, 'refs/heads/main', repo.sha, delivery);
    expect(again).toBe(first);
    expect(await listCount()).toBe(before);
    await waitForBuild(drydock.url, first);
  });
});

async function listCount(): Promise<number> {
  const res = await fetch(`${drydock.url}/api/builds?limit=100`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}
