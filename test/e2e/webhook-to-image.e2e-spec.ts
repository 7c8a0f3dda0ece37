import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhooks } from '@octokit/webhooks';
import { pushPayload, RegistryClient, startE2eWorld, testServices, waitForBuild, type E2eWorld, type RepoFiles, type TempRepo } from '@drydock/testing';

const services = testServices();
const registry = new RegistryClient(services.registry, services.registryCredentials);
const imageOf = (repo: TempRepo) => repo.fullName.toLowerCase();

let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld();
});
afterAll(() => world?.stop());

const APP: RepoFiles = {
  Dockerfile: 'FROM busybox:latest\nARG GREETING=hello\nRUN echo "$GREETING from drydock" > /greeting\nCMD ["cat", "/greeting"]\n',
  '.drydock.yml': 'images:\n  - build_args: { GREETING: ahoy }\n    test:\n      - grep -q ahoy /greeting\n      - test "$(cat /greeting)" = "ahoy from drydock"\n',
};

describe('a signed push becomes a tested, tagged image', () => {
  it('builds, tests, pushes sha/branch/latest tags and reports pending then success', async () => {
    const repo = await world.repo(APP);
    const id = await world.push(repo);
    const build = await waitForBuild(world.drydock.url, id);
    expect(build.status).toBe('success');

    const short = repo.sha.slice(0, 7);
    expect(await registry.tags(imageOf(repo))).toEqual(['latest', 'main', `sha-${short}`].sort());
    const digest = await registry.digest(imageOf(repo), 'latest');
    expect(build.images).toEqual([{ name: `${services.registry}/${imageOf(repo)}`, tags: [`sha-${short}`, 'main', 'latest'], digest }]);

    const ref = `${services.registry}/${imageOf(repo)}:sha-${short}`;
    world.docker('rmi', '-f', ref);
    expect(world.docker('run', '--rm', ref).trim()).toBe('ahoy from drydock');
    const labels = JSON.parse(world.docker('image', 'inspect', ref, '--format', '{{json .Config.Labels}}')) as Record<string, string>;
    expect(labels['org.opencontainers.image.revision']).toBe(repo.sha);

    expect(build.steps.map((s) => [s.name, s.status])).toEqual([
      ['clone', 'success'], ['config', 'success'], ['build', 'success'], ['test', 'success'], ['push', 'success'],
    ]);
    for (const step of build.steps) expect(Date.parse(step.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt!));

    await world.github.waitForStatus(repo.sha, 'success');
    const states = world.github.statusesFor(repo.sha).map((s) => s.state);
    expect(states[0]).toBe('pending');
    expect(states.at(-1)).toBe('success');
    expect(states.slice(0, -1).every((s) => s === 'pending')).toBe(true);
    for (const status of world.github.statusesFor(repo.sha)) expect(status.target_url).toBe(`${world.drydock.env.DRYDOCK_PUBLIC_URL}/builds/${id}`);

    const log = await (await fetch(`${world.drydock.url}/api/builds/${id}/logs`)).text();
    expect(log).toContain('==> build');
    expect(log).toContain(`grep -q ahoy /greeting`);
  });

  it('fails on a failing test and pushes nothing', async () => {
    const repo = await world.repo({ ...APP, '.drydock.yml': 'images:\n  - test: ["echo checking", "exit 3"]\n' });
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).toBe('failure');
    expect(build.error).toContain('exit 3');
    expect(build.steps.find((s) => s.name === 'push')?.status).toBe('skipped');
    expect(await registry.tags(imageOf(repo))).toEqual([]);
    await world.github.waitForStatus(repo.sha, 'failure');
    expect(world.docker('ps', '-aq', '--filter', `label=drydock.build=${build.id}`).trim()).toBe('');
  });

  it('fails on a broken Dockerfile with the failing step in the log', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\nRUN echo "about to break" && ls /no-such-dir\n' });
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).toBe('failure');
    expect(build.steps.find((s) => s.name === 'build')?.status).toBe('failure');
    const log = await (await fetch(`${world.drydock.url}/api/builds/${build.id}/logs`)).text();
    expect(log).toContain('about to break');
    expect(log).toContain('/no-such-dir');
    await world.github.waitForStatus(repo.sha, 'failure');
    expect(await registry.tags(imageOf(repo))).toEqual([]);
  });

  it('names the field of a malformed .drydock.yml in the failure', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - build_args: [not, a, map]\n' });
    const build = await waitForBuild(world.drydock.url, await world.push(repo));
    expect(build.status).toBe('failure');
    expect(build.error).toContain('images[0].build_args');
    expect((await world.github.waitForStatus(repo.sha, 'failure')).description).toContain('images[0].build_args');
  });

  it('tags a v1.2.3 tag push with semver tags and a unicode branch with a valid slug', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\nCMD ["echo", "tagged"]\n' });
    const tagSha = await repo.tag('v1.2.3');
    expect((await waitForBuild(world.drydock.url, await world.push(repo, { ref: 'refs/tags/v1.2.3', sha: tagSha }))).status).toBe('success');
    // git refuses spaces in ref names, so the unicode branch is as hostile as git allows (unit tests cover the rest).
    const branchSha = await repo.commit({ 'notes.txt': 'x' }, { branch: 'feature/Über-X' });
    expect((await waitForBuild(world.drydock.url, await world.push(repo, { ref: 'refs/heads/feature/Über-X', sha: branchSha }))).status).toBe('success');
    expect(await registry.tags(imageOf(repo))).toEqual(
      ['1', '1.2', '1.2.3', 'feature--ber-x', `sha-${tagSha.slice(0, 7)}`, `sha-${branchSha.slice(0, 7)}`].sort(),
    );
  });
});

describe('webhook input it must refuse', () => {
  it('answers ping', async () => {
    const res = await world.deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(res.status).toBe(200);
  });

  it('refuses a forged signature with 401 and queues nothing', async () => {
    const before = await listCount();
    const payload = pushPayload({ ref: 'refs/heads/main', sha: 'a'.repeat(40), cloneUrl: 'http://127.0.0.1:9/x.git', fullName: 'acme/forged' });
    const res = await world.deliver('push', payload, { secret: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(await listCount()).toBe(before);
  });

  it('answers malformed JSON with 400', async () => {
    const body = '{"ref": "refs/heads/main",';
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await new Webhooks({ secret: world.webhookSecret }).sign(body),
    };
    const res = await fetch(`${world.drydock.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('starts nothing new for a redelivery', async () => {
    const repo = await world.repo(APP);
    const delivery = randomUUID();
    const first = await world.push(repo, { deliveryId: delivery });
    const before = await listCount();
    const again = await world.push(repo, { deliveryId: delivery });
    expect(again).toBe(first);
    expect(await listCount()).toBe(before);
    await waitForBuild(world.drydock.url, first);
  });
});

async function listCount(): Promise<number> {
  const res = await fetch(`${world.drydock.url}/api/builds?limit=100`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}
