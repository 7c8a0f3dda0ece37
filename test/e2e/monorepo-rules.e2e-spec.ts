import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pushPayload, RegistryClient, startE2eWorld, testServices, waitForBuild, type E2eWorld, type RepoFiles, type TempRepo } from '@drydock/testing';

/**
 * `.drydock.yml` rules on the real services (issue 16): `paths` compare a push with its `before`,
 * `branches` leave an image out of other branches' builds, and build secrets reach BuildKit
 * `--secret` from DRYDOCK_SECRETS_DIR, masked in the log and in no layer of the image.
 */
const services = testServices();
const registry = new RegistryClient(services.registry, services.registryCredentials);
const SECRET_VALUE = 'tok_9f8e7d6c5b4a';
const secretsDir = mkdtempSync(path.join(tmpdir(), 'drydock-secrets-'));

let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld({ env: { DRYDOCK_SECRETS_DIR: secretsDir } });
}, 60_000);
afterAll(async () => {
  await world?.stop();
  rmSync(secretsDir, { recursive: true, force: true });
});

const MONOREPO: RepoFiles = {
  'services/api/Dockerfile': 'FROM busybox:latest\nCOPY . /app\n',
  'services/api/main.txt': 'api v1\n',
  'services/web/Dockerfile': 'FROM busybox:latest\nCOPY . /app\n',
  'services/web/index.txt': 'web v1\n',
  '.drydock.yml': [
    'images:',
    '  - name: api',
    '    context: services/api',
    '    paths: ["services/api/**", "!**/*.md"]',
    '  - name: web',
    '    context: services/web',
    '    paths: services/web/**',
    '    branches: [main, "release/*"]',
    '',
  ].join('\n'),
};

/** A signed push of `sha` to `branch`, saying `before` was the branch's commit before it. */
async function pushWithBefore(repo: TempRepo, branch: string, sha: string, before: string): Promise<number> {
  const payload = { ...pushPayload({ ref: `refs/heads/${branch}`, sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }), before };
  const res = await world.deliver('push', payload);
  const body = (await res.json()) as { builds: Array<{ id: number }> };
  if (res.status !== 202 || body.builds.length !== 1) throw new Error(`push answered ${res.status} ${JSON.stringify(body)}`);
  return body.builds[0].id;
}

const owner = (repo: TempRepo) => repo.fullName.split('/')[0].toLowerCase();
const stepsOf = (build: { steps: Array<{ name: string; image?: string | null; status: string }> }) => build.steps.map((s) => `${s.name}${s.image ? ` ${s.image}` : ''}: ${s.status}`);

describe('a monorepo with two images and paths', () => {
  it('a push touching one image\'s files builds and pushes only that one; the other reports it was skipped', async () => {
    const repo = await world.repo(MONOREPO, 'mono');
    const first = await pushWithBefore(repo, 'main', repo.sha, '0'.repeat(40)); // a new branch: nothing to compare, both built
    expect((await waitForBuild(world.drydock.url, first)).status).toBe('success');

    // two commits in one push: the earlier touches api, the later only web; both count (before..after)
    await repo.commit({ 'services/api/main.txt': 'api v2\n' });
    const both = await repo.commit({ 'services/web/index.txt': 'web v2\n' });
    const second = await pushWithBefore(repo, 'main', both, repo.sha);
    const bothBuilt = await waitForBuild(world.drydock.url, second);
    expect(bothBuilt.status).toBe('success');
    expect(bothBuilt.images.map((i) => i.name).sort()).toEqual([`${services.registry}/${owner(repo)}/api`, `${services.registry}/${owner(repo)}/web`]);

    const webOnly = await repo.commit({ 'services/web/index.txt': 'web v3\n', 'services/api/NOTES.md': 'excluded by !**/*.md\n' });
    const third = await pushWithBefore(repo, 'main', webOnly, both);
    const build = await waitForBuild(world.drydock.url, third);
    expect(build.status).toBe('success');
    expect(stepsOf(build)).toEqual(expect.arrayContaining(['build api: skipped', 'push api: skipped', 'build web: success', 'push web: success']));
    expect(build.images.map((i) => i.name)).toEqual([`${services.registry}/${owner(repo)}/web`]);
    const short = webOnly.slice(0, 7);
    expect(await registry.tags(`${owner(repo)}/web`)).toContain(`sha-${short}`);
    expect(await registry.tags(`${owner(repo)}/api`)).not.toContain(`sha-${short}`);
    expect((await world.github.waitForStatus(webOnly, 'success', 'drydock/api')).description).toBe('skipped: no change under services/api/**, !**/*.md');
    expect((await world.github.waitForStatus(webOnly, 'success', 'drydock/web')).description).not.toMatch(/skipped/);
    await world.github.waitForStatus(webOnly, 'success');
  });

  it('an image whose branches leave a branch out is skipped there, with the reason', async () => {
    const repo = await world.repo(MONOREPO, 'mono-branch');
    const sha = await repo.commit({ 'services/api/main.txt': 'api x\n', 'services/web/index.txt': 'web x\n' }, { branch: 'feature/x' });
    const build = await waitForBuild(world.drydock.url, await pushWithBefore(repo, 'feature/x', sha, '0'.repeat(40)));
    expect(build.status).toBe('success');
    expect(stepsOf(build)).toEqual(expect.arrayContaining(['build api: success', 'build web: skipped']));
    expect((await world.github.waitForStatus(sha, 'success', 'drydock/web')).description).toBe('skipped: branch feature/x is not in branches (main, release/*)');
  });
});

describe('build secrets', () => {
  const SECRET_REPO: RepoFiles = {
    Dockerfile:
      'FROM busybox:latest\n' +
      // a fresh step each run: BuildKit's cache would otherwise answer for it without the secret being read
      `RUN --mount=type=secret,id=NPM_TOKEN echo ${randomUUID()} && test "$(md5sum < /run/secrets/NPM_TOKEN | cut -c1-32)" = "${createHash('md5').update(SECRET_VALUE).digest('hex')}" && echo "token is $(cat /run/secrets/NPM_TOKEN)"\n`,
    '.drydock.yml': 'images:\n  - secrets: [NPM_TOKEN]\n',
  };

  it('passes the named secret to BuildKit, masks it in the log, and leaves it in no layer', async () => {
    const repo = await world.repo(SECRET_REPO, 'secret');
    mkdirSync(path.join(secretsDir, ...repo.fullName.split('/')), { recursive: true });
    writeFileSync(path.join(secretsDir, ...repo.fullName.split('/'), 'NPM_TOKEN'), SECRET_VALUE);
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).toBe('success');
    const log = await (await world.drydock.api(`/api/builds/${build.id}/logs`)).text();
    expect(log).toContain('token is ***');
    expect(log).not.toContain(SECRET_VALUE);
    const ref = `${services.registry}/${repo.fullName.toLowerCase()}:sha-${repo.sha.slice(0, 7)}`;
    expect(world.docker('run', '--rm', ref, 'sh', '-c', 'cat /run/secrets/NPM_TOKEN 2>/dev/null || echo absent').trim()).toBe('absent');
    expect(world.docker('history', '--no-trunc', ref)).not.toContain(SECRET_VALUE);
    const found = world.docker('run', '--rm', ref, 'sh', '-c', `grep -rl "${SECRET_VALUE}" /bin /etc /root /tmp /var /run /home 2>/dev/null; echo end`);
    expect(found.trim()).toBe('end');
  });

  it('fails a build whose secret is missing, naming it', async () => {
    const repo = await world.repo(SECRET_REPO, 'secret-missing');
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).not.toBe('success');
    expect(build.error).toMatch(/NPM_TOKEN/);
    expect(await registry.tags(repo.fullName.toLowerCase())).toEqual([]);
  });
});
