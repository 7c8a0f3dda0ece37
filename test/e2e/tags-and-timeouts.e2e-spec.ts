import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient, startE2eWorld, testServices, waitForBuild, type E2eWorld, type TempRepo } from '@drydock/testing';

const services = testServices();
const registry = new RegistryClient(services.registry, services.registryCredentials);

let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld();
});
afterAll(() => world?.stop());

describe('tags that cannot be taken over', () => {
  let repo: TempRepo;
  let image: string;
  const built = async (ref: string, sha: string) => {
    const build = await waitForBuild(world.drydock.url, await world.push(repo, { ref, sha }));
    expect(build).toMatchObject({ status: 'success' });
    return build;
  };

  beforeAll(async () => {
    repo = await world.repo({ Dockerfile: 'FROM busybox:latest\nCOPY x.txt /x.txt\n', 'x.txt': 'main\n', '.drydock.yml': 'images:\n  - name: team/api\n' }, 'tags');
    image = `${repo.fullName.split('/')[0]}/team/api`;
  });

  it('keeps a config image name under the owner', async () => {
    const build = await built('refs/heads/main', repo.sha);
    expect(build.images[0].name).toBe(`${services.registry}/${image}`);
    expect(await registry.tags('team/api')).toEqual([]);
  });

  it('tags branches named like Drydock\'s own tags branch-<slug>, leaving the real ones where they were', async () => {
    await repo.tag('v1.2.3', { sha: repo.sha });
    await built('refs/tags/v1.2.3', repo.sha);
    const mainSha7 = `sha-${repo.sha.slice(0, 7)}`;
    const before = { latest: await registry.digest(image, 'latest'), release: await registry.digest(image, '1.2.3'), sha: await registry.digest(image, mainSha7) };
    expect(before.latest).not.toBeNull();

    const branches = ['latest', '1.2.3', 'v2', mainSha7, 'pr-3'];
    for (const branch of branches) {
      const sha = await repo.commit({ 'x.txt': `${branch}\n` }, { branch });
      const build = await built(`refs/heads/${branch}`, sha);
      expect(build.images[0].tags).toEqual([`sha-${sha.slice(0, 7)}`, `branch-${branch}`]);
    }

    const tags = await registry.tags(image);
    expect(tags).toEqual(expect.arrayContaining(branches.map((b) => `branch-${b}`)));
    expect(tags).not.toContain('v2');
    expect(tags).not.toContain('pr-3');
    expect({ latest: await registry.digest(image, 'latest'), release: await registry.digest(image, '1.2.3'), sha: await registry.digest(image, mainSha7) }).toEqual(before);
  });

  it('never moves 1 or 1.2 back to an older release', async () => {
    const newer = await repo.commit({ 'x.txt': '1.3.0\n' }, { message: 'release 1.3.0' });
    await repo.tag('v1.3.0', { sha: newer });
    await built('refs/tags/v1.3.0', newer);
    const older = await repo.commit({ 'x.txt': '1.2.4\n' }, { message: 'backport 1.2.4' });
    await repo.tag('v1.2.4', { sha: older });
    const backport = await built('refs/tags/v1.2.4', older);

    expect(backport.images[0].tags).toEqual(['1.2.4', '1.2', `sha-${older.slice(0, 7)}`]);
    expect(await registry.digest(image, '1')).toBe(await registry.digest(image, '1.3.0'));
    expect(await registry.digest(image, '1.2')).toBe(await registry.digest(image, '1.2.4'));
  });
});

describe('a build that hangs', () => {
  it('ends at its 15 s timeout as error, with no container left and GitHub told', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'timeout: 15\nimages:\n  - test: "sleep 3600"\n' }, 'hang');
    const id = await world.push(repo);
    const build = await waitForBuild(world.drydock.url, id, { timeoutMs: 90_000 });
    expect(build).toMatchObject({ status: 'error', error: 'timed out after 15s' });
    expect(build.steps.find((s) => s.name === 'test')?.status).toBe('error');
    expect(world.docker('ps', '-aq', '--filter', `label=drydock.build=${id}`).trim()).toBe('');
    expect((await world.github.waitForStatus(repo.sha, 'error')).description).toBe('timed out after 15s');
  });
});
