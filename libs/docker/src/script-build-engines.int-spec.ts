import { execFileSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describeBuildEnginesContract, testServices } from '@drydock/testing';
import { CliDockerEngine } from './cli-docker-engine.js';
import type { DockerEngine } from './docker-engine.js';
import { engineDataDir, ScriptBuildEngines } from './script-build-engines.js';

const { dockerCli, dockerHost, registry, registryCredentials, buildAllowNets, dataDir } = testServices();
const dirs: string[] = [];

async function pool(maxEngines: number): Promise<{ engines: ScriptBuildEngines; dir: string }> {
  const dir = await mkdtemp(path.join(dataDir, 'engines-'));
  dirs.push(dir);
  const engines = new ScriptBuildEngines({
    dir,
    maxEngines,
    registryPort: Number(registry.split(':')[1]),
    buildAllowNets,
    baseImagesFrom: dockerHost,
    dockerCli,
    makeEngine: (host) => new CliDockerEngine({ dockerCli, dockerHost: host, registry: { host: registry, ...registryCredentials } }),
    check: async () => undefined,
    log: () => undefined,
  });
  return { engines, dir };
}

describeBuildEnginesContract('ScriptBuildEngines starting real engines', async (maxEngines) => (await pool(maxEngines)).engines, 60_000);

describe('a throwaway engine of ScriptBuildEngines', () => {
  const repo = 'fork/widget';
  const nonce = randomUUID();
  const buildId = 940_000 + randomInt(9_999);
  const planted = `drydock-spec/planted-${nonce.slice(0, 8)}:latest`;
  const cacheRun = 'RUN --mount=type=cache,target=/cache';
  const probe = `FROM busybox:latest\n${cacheRun} test ! -e /cache/planted-${nonce}\n`;
  let engines: ScriptBuildEngines;
  let dir: string;
  let workDir: string;

  const build = async (engine: DockerEngine, dockerfile: string, tags: string[] = []) => {
    const contextDir = await mkdtemp(path.join(workDir, 'ctx-'));
    await writeFile(path.join(contextDir, 'Dockerfile'), dockerfile);
    return engine.buildImage({ buildId, signal: new AbortController().signal, onLog: () => undefined, contextDir, dockerfile: 'Dockerfile', buildArgs: {}, labels: {}, tags });
  };
  const throwawayDirs = async () => (await readdir(dir)).filter((name) => name.startsWith('tw-')).map((name) => path.join(dir, name));
  /** The docker CLI on the engine whose data dir is `engineDir`: whether it has `image`. */
  const hasImage = (engineDir: string, image: string) =>
    execFileSync(dockerCli, ['-H', `unix://${engineDir}/docker.sock`, 'image', 'ls', '-q', image], { encoding: 'utf8' }).trim() !== '';
  const until = async (condition: () => boolean, what: string, timeoutMs = 60_000) => {
    for (const deadline = Date.now() + timeoutMs; !condition(); await new Promise((resolve) => setTimeout(resolve, 250))) {
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    }
  };

  beforeAll(async () => {
    ({ engines, dir } = await pool(2));
    workDir = await mkdtemp(path.join(dataDir, 'throwaway-spec-'));
    dirs.push(workDir);
  });

  afterAll(() => engines?.stopAll(), 120_000);

  it('keeps an image and a cache mount from the repository\'s own engine and from the next throwaway engine, and deletes its data dir at release', async () => {
    const first = await engines.acquire({ repo, ephemeral: true });
    const [firstDir] = await throwawayDirs();
    await build(first.engine, `FROM busybox:latest\n${cacheRun} echo ${nonce} > /cache/planted-${nonce}\n`, [planted]);
    expect(hasImage(firstDir, planted)).toBe(true);
    await expect(build(first.engine, probe)).rejects.toMatchObject({ code: 'build_failed' }); // the probe sees the planted file here
    first.release();
    await until(() => !existsSync(firstDir), `${firstDir} deleted`);

    const own = await engines.acquire({ repo });
    expect(hasImage(engineDataDir(dir, repo), planted)).toBe(false);
    await build(own.engine, probe); // the cache mount is empty

    const next = await engines.acquire({ repo, ephemeral: true });
    const [nextDir] = await throwawayDirs();
    expect(nextDir).not.toBe(firstDir);
    expect(hasImage(nextDir, planted)).toBe(false);
    await build(next.engine, probe);
    next.release();
    own.release();
    await until(() => !existsSync(nextDir), `${nextDir} deleted`);
    expect(existsSync(engineDataDir(dir, repo))).toBe(true); // the repository's engine keeps its data
  }, 240_000);
});

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
