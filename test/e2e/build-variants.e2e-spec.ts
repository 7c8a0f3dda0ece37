import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  freePort,
  pushPayload,
  RegistryClient,
  signedDelivery,
  startDrydock,
  startE2eWorld,
  testServices,
  waitForBuild,
  type E2eWorld,
  type RepoFiles,
  type TempRepo,
} from '@drydock/testing';

const services = testServices();
const registry = new RegistryClient(services.registry, services.registryCredentials);
const imageOf = (repo: TempRepo) => repo.fullName.toLowerCase();

let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld();
});
afterAll(() => world?.stop());

describe('a repository with several images', () => {
  const twoImages = (suffix: string, webTest: string): RepoFiles => ({
    'api/Dockerfile': 'FROM busybox:latest\nRUN echo api > /role\n',
    'web/Dockerfile': 'FROM busybox:latest\nRUN echo web > /role\n',
    '.drydock.yml': [
      'images:',
      `  - { name: api-${suffix}, context: api, test: "grep -q api /role" }`,
      `  - { name: web-${suffix}, context: web, test: "${webTest}" }`,
      '',
    ].join('\n'),
  });

  it('pushes each image under its own name and reports a context per image', async () => {
    const suffix = randomUUID().slice(0, 8);
    const repo = await world.repo(twoImages(suffix, 'grep -q web /role'));
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).toBe('success');
    expect(build.images.map((i) => i.name)).toEqual([`${services.registry}/acme/api-${suffix}`, `${services.registry}/acme/web-${suffix}`]);
    expect(await registry.tags(`acme/web-${suffix}`)).toContain('latest');
    await world.github.waitForStatus(repo.sha, 'success');
    await world.github.waitForStatus(repo.sha, 'success', `drydock/api-${suffix}`);
    await world.github.waitForStatus(repo.sha, 'success', `drydock/web-${suffix}`);
  });

  it('pushes neither when one image fails its tests', async () => {
    const suffix = randomUUID().slice(0, 8);
    const repo = await world.repo(twoImages(suffix, 'grep -q api /role'));
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).toBe('failure');
    expect(await registry.tags(`acme/api-${suffix}`)).toEqual([]);
    expect(await registry.tags(`acme/web-${suffix}`)).toEqual([]);
    expect((await world.github.waitForStatus(repo.sha, 'failure', `drydock/web-${suffix}`)).description).toMatch(/^test failed/);
    expect((await world.github.waitForStatus(repo.sha, 'failure', `drydock/api-${suffix}`)).description).toMatch(/^Not pushed/);
  });
});


describe('hostile names and a registry that is down', () => {
  it('builds a branch named like a shell command without running it', async () => {
    const marker = `/tmp/drydock-pwned-${randomUUID().slice(0, 8)}`;
    const branch = `feat/$(touch\${IFS}${marker})\`id\`;x`;
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' });
    const sha = await repo.commit({ 'x.txt': 'x' }, { branch });
    const build = await waitForBuild(world.drydock.url, await world.push(repo, { ref: `refs/heads/${branch}`, sha: sha }));
    expect(build.status).toBe('success');
    expect(existsSync(marker)).toBe(false);
    const [, slug] = build.images[0].tags;
    expect(slug).toMatch(/^[a-z0-9_][a-z0-9._-]{0,127}$/);
    expect(await registry.tags(imageOf(repo))).toContain(slug);
  });

  it('ends in error, with the registry named, when the registry is down', async () => {
    const deadRegistry = await startDrydock({
      githubApiUrl: world.github.url,
      webhookSecret: world.webhookSecret,
      env: { DRYDOCK_REGISTRY: `127.0.0.1:${await freePort()}`, DRYDOCK_REGISTRY_USERNAME: '' }, // no login: the push itself fails
    });
    try {
      const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' });
      const { headers, body } = await signedDelivery('push', pushPayload({ ref: 'refs/heads/main', sha: repo.sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }), world.webhookSecret);
      const res = await fetch(`${deadRegistry.url}/webhooks/github`, { method: 'POST', headers, body });
      const { builds } = (await res.json()) as { builds: Array<{ id: number }> };
      const build = await waitForBuild(deadRegistry.url, builds[0].id);
      expect(build.status).toBe('error');
      expect(build.steps.find((s) => s.name === 'push')?.status).toBe('error');
      expect(build.error).toMatch(/push of 127\.0\.0\.1:\d+\/acme\/.* failed/);
      await world.github.waitForStatus(repo.sha, 'error');
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
      // web may take a while to listen on a busy machine: sut waits for it (up to 30 s), then checks the page
      `    command: ["sh", "-c", "for i in $$(seq 30); do wget -qO /tmp/page http://web:8080/index.html && break; sleep 1; done; grep -q ${expected} /tmp/page"]`,
      '',
    ].join('\n'),
  });

  it('passes when sut exits 0 and fails, unpushed, when it does not', async () => {
    const passing = await world.repo(SUT('drydock-sut'));
    const ok = await waitForBuild(world.drydock.url, await world.push(passing));
    expect(ok.status).toBe('success');
    expect(await registry.tags(imageOf(passing))).toContain('latest');

    const failing = await world.repo(SUT('something-else'));
    const bad = await waitForBuild(world.drydock.url, await world.push(failing));
    expect(bad.status).toBe('failure');
    expect(bad.error).toContain('sut');
    expect(await registry.tags(imageOf(failing))).toEqual([]);
    expect(world.docker('ps', '-aq', '--filter', `label=com.docker.compose.project=drydock-${bad.id}`).trim()).toBe('');
  });
});

