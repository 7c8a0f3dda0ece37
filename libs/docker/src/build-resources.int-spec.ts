import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testServices } from '@drydock/testing';
import { CliDockerEngine } from './cli-docker-engine.js';
import type { BuildScoped } from './docker-engine.js';
import { LINE_CUT_MARK, MAX_LINE_BYTES } from './line-splitter.js';

const { dockerCli: DOCKER_CLI, dockerHost, registry, registryCredentials } = testServices();
const docker = (...args: string[]) =>
  execFileSync(DOCKER_CLI, args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8' }).trim();

/** What a build leaves on the engine, and what it prints: both bounded. */
describe('CliDockerEngine: bounded output and disk', () => {
  const engine = new CliDockerEngine({ dockerCli: DOCKER_CLI, dockerHost, registry: { host: registry, ...registryCredentials } });
  const buildId = 700_000 + randomInt(99_999);
  const local = `drydock/build-${buildId}:0`;
  let contextDir: string;
  let logs: string[] = [];
  const scoped = (): BuildScoped => ({ buildId, signal: new AbortController().signal, onLog: (line) => logs.push(line) });

  beforeAll(async () => {
    contextDir = await mkdtemp(path.join(tmpdir(), 'drydock-bounded-spec-'));
    await writeFile(path.join(contextDir, 'Dockerfile'), `FROM busybox:latest\nRUN echo ${buildId} > /id\n`);
    await engine.buildImage({ ...scoped(), contextDir, dockerfile: 'Dockerfile', buildArgs: {}, labels: {}, tags: [local] });
  });

  afterAll(async () => {
    await engine.removeBuildResources(buildId);
    await rm(contextDir, { recursive: true, force: true });
  });

  it('cuts a 300 MB single line of test output at 64 KiB, marks the cut, and keeps memory flat', async () => {
    logs = [];
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      const { exitCode } = await engine.runTestCommand({
        ...scoped(),
        image: local,
        command: "head -c 300000000 /dev/zero | tr '\\0' x; echo; echo after-the-long-line",
      });
      expect(exitCode).toBe(0);
    } finally {
      clearInterval(sample);
    }
    const cut = logs.filter((line) => line.endsWith(LINE_CUT_MARK));
    expect(cut).toHaveLength(1);
    expect(cut[0].length).toBe(MAX_LINE_BYTES + LINE_CUT_MARK.length);
    expect(logs).toContain('after-the-long-line');
    expect(Math.max(...logs.map((line) => line.length))).toBeLessThanOrEqual(MAX_LINE_BYTES + LINE_CUT_MARK.length);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('removes the images a build made, with their pushed tags, and keeps other images', async () => {
    const pushed = `${registry}/bounded/spec-${buildId}:main`;
    await engine.tagImage(local, pushed);
    await engine.pushImage(pushed, scoped());
    expect(docker('image', 'ls', '-q', local)).not.toBe('');

    await engine.removeBuildResources(buildId);
    await engine.removeBuildResources(buildId);

    expect(docker('image', 'ls', '-q', local)).toBe('');
    expect(docker('image', 'ls', '-q', pushed)).toBe('');
    expect(docker('image', 'ls', '-q', '--filter', `label=drydock.build=${buildId}`)).toBe('');
    expect(docker('image', 'ls', '-q', 'busybox:latest')).not.toBe('');
  });
});
