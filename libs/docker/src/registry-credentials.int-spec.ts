import { execFileSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RegistryClient, rejectionOf, testServices } from '@drydock/testing';
import { CliDockerEngine } from './cli-docker-engine.js';
import type { BuildScoped } from './docker-engine.js';

/**
 * The worker's registry login pushes, and nothing a build runs can use it: a Dockerfile
 * `FROM <registry>/<another repository's image>`, a test container or a compose service on
 * such an image pull without credentials, and the registry (htpasswd, test/global-setup.ts)
 * refuses them.
 */
const { dockerCli, dockerHost, registry, registryCredentials } = testServices();
const docker = (...args: string[]) => execFileSync(dockerCli, args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8' }).trim();

describe('the registry login of CliDockerEngine', () => {
  const engine = new CliDockerEngine({ dockerCli, dockerHost, registry: { host: registry, ...registryCredentials } });
  const buildId = 930_000 + randomInt(9_999);
  const nonce = randomUUID().slice(0, 8);
  const secret = `${registry}/drydock-spec/other-repo-${nonce}`;
  const scoped = (id = buildId): BuildScoped => ({ buildId: id, signal: new AbortController().signal, onLog: () => undefined });
  let workDir: string;

  const build = async (dockerfile: string, id: number) => {
    const contextDir = await mkdtemp(path.join(workDir, 'ctx-'));
    await writeFile(path.join(contextDir, 'Dockerfile'), dockerfile);
    return engine.buildImage({ ...scoped(id), contextDir, dockerfile: 'Dockerfile', buildArgs: {}, labels: {}, tags: [`drydock-spec/creds-${id}:latest`] });
  };

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'drydock-creds-spec-'));
    // Another repository's image, pushed by the worker with its login; then gone from the engine.
    await build(`FROM busybox:latest\nRUN echo ${nonce} > /secret\n`, buildId);
    await engine.tagImage(`drydock-spec/creds-${buildId}:latest`, `${secret}:v1`);
    await expect(engine.pushImage(`${secret}:v1`, scoped())).resolves.toEqual({ digest: expect.stringMatching(/^sha256:/) });
    await engine.removeBuildResources(buildId);
  }, 120_000);

  afterAll(async () => {
    await engine.removeBuildResources(buildId + 1);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('pushes with it: the image is in the registry for a client with the credentials', async () => {
    const name = secret.slice(registry.length + 1);
    expect(await new RegistryClient(registry, registryCredentials).digest(name, 'v1')).toMatch(/^sha256:/);
    expect(docker('image', 'ls', '-q', `${secret}:v1`)).toBe(''); // not on the engine: a build would have to pull it
  });

  it('a build FROM that image fails: the registry refuses the pull without credentials', async () => {
    const err = await rejectionOf(build(`FROM ${secret}:v1\nRUN cat /secret\n`, buildId + 1));
    expect(err.code).toBe('build_failed');
    expect(err.message).toMatch(/401|unauthorized|authorization|no basic auth credentials/i);
  });

  it('a test container on that image is not started: docker run pulls without credentials', async () => {
    const err = await rejectionOf(engine.runTestCommand({ ...scoped(buildId + 1), image: `${secret}:v1`, command: 'cat /secret' }));
    expect(err.message).toMatch(/401|unauthorized|authorization|no basic auth credentials/i);
    expect(docker('image', 'ls', '-q', `${secret}:v1`)).toBe('');
  });

  it('pushes again after those refusals', async () => {
    await build(`FROM busybox:latest\nRUN echo again-${nonce} > /again\n`, buildId + 1);
    await engine.tagImage(`drydock-spec/creds-${buildId + 1}:latest`, `${secret}:v2`);
    await expect(engine.pushImage(`${secret}:v2`, scoped(buildId + 1))).resolves.toEqual({ digest: expect.stringMatching(/^sha256:/) });
  });
});
