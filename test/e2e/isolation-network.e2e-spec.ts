import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshTempDir, startE2eWorld, testServices, waitForBuild, type E2eWorld } from '@drydock/testing';

/**
 * What a build runs cannot reach the host's services (API, Redis, registry) on any address it
 * can see, nor private ranges; it reaches a test host inside DRYDOCK_BUILD_ALLOW_NETS
 * (global-setup: 10.231.0.0/24). The builds run on engines the worker starts, one per repository
 * (DRYDOCK_ENGINES_DIR): each gets the network box of the engine `npm run up` starts. The test host is a network namespace made here: 10.231.0.2
 * (allowed) and 10.232.0.2 (a private address not listed), both serving /hello.txt.
 */
const run = promisify(execFile);
const services = testServices();
const TEST_NETNS = 'dd-isotest';
const TEST_VETH = 'dd-isotest-h';
const ALLOWED = '10.231.0.2';
const BLOCKED = '10.232.0.2';
const HELLO = `hello-from-allowed-${randomUUID().slice(0, 8)}`;
const redisPort = Number(new URL(services.redisUrl).port);
const registryPort = Number(services.registry.split(':')[1]);

let world: E2eWorld;
let httpd: ChildProcess | undefined;
let apiPort: number;

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function startTestHost(): Promise<void> {
  await run('ip', ['netns', 'del', TEST_NETNS]).catch(() => undefined);
  await ip('netns', 'add', TEST_NETNS);
  await ip('link', 'add', TEST_VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', TEST_NETNS);
  await ip('addr', 'add', '10.233.0.1/30', 'dev', TEST_VETH);
  await ip('link', 'set', TEST_VETH, 'up');
  for (const args of [['addr', 'add', '10.233.0.2/30', 'dev', 'eth0'], ['addr', 'add', `${ALLOWED}/32`, 'dev', 'eth0'], ['addr', 'add', `${BLOCKED}/32`, 'dev', 'eth0'],
    ['link', 'set', 'lo', 'up'], ['link', 'set', 'eth0', 'up'], ['route', 'add', 'default', 'via', '10.233.0.1']]) {
    await ip('-n', TEST_NETNS, ...args);
  }
  for (const net of [`${ALLOWED}/32`, `${BLOCKED}/32`]) await ip('route', 'add', net, 'via', '10.233.0.2');
  const root = freshTempDir('test-host');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'hello.txt'), `${HELLO}\n`);
  httpd = spawn('nsenter', [`--net=/run/netns/${TEST_NETNS}`, 'busybox', 'httpd', '-f', '-p', '8080', '-h', root], { stdio: 'ignore' });
}

async function stopTestHost(): Promise<void> {
  httpd?.kill('SIGKILL');
  await run('ip', ['netns', 'del', TEST_NETNS]).catch(() => undefined);
  await run('ip', ['link', 'del', TEST_VETH]).catch(() => undefined);
}

/** A shell script printing `<label> answered` or `<label> silent` for each probe (busybox nc, 3 s each). */
function probeScript(targets: Array<[label: string, host: string, port: number, request: string]>): string {
  const lines = targets.map(([label, host, port, request]) =>
    `out=$(printf '${request}' | nc -w 3 ${host} ${port} 2>/dev/null | tr -d '\\r' | tail -n 1); if [ -n "$out" ]; then echo "${label} answered: $out"; else echo "${label} silent"; fi`,
  );
  // The host end of the engine namespace's veth is A.B.127.253 of the engine's subnet A.B.0.0/16.
  const host = 'host=$(echo "$gw" | awk -F. \'{print $1 "." $2 ".127.253"}\'); echo "host is $host"';
  return ['#!/bin/sh', 'gw=$(ip route | awk \'/^default/ {print $3}\')', host, ...lines, ''].join('\n');
}

beforeAll(async () => {
  world = await startE2eWorld({ engines: true }); // each repository on an engine of its own, each in the same network box
  apiPort = Number(new URL(world.drydock.url).port);
  await startTestHost();
}, 60_000);
afterAll(async () => {
  await stopTestHost();
  await world?.stop();
});

async function logOf(id: number): Promise<string> {
  return (await world.drydock.api(`/api/builds/${id}/logs`)).text();
}

describe('a build cannot reach the control plane', () => {
  it('RUN steps and test containers reach neither the API, Redis nor the registry, but do reach an allowed host', async () => {
    expect(services.buildAllowNets).toContain('10.231.0.0/24');
    const http = (p: string, method = 'GET') => `${method} ${p} HTTP/1.0\\r\\n\\r\\n`;
    const targets: Array<[string, string, number, string]> = [];
    for (const [name, host] of [['gateway', '$gw'], ['host', '$host']]) {
      targets.push([`api-${name}`, host, apiPort, http('/api/builds')]);
      targets.push([`redis-${name}`, host, redisPort, 'PING\\r\\n']);
      targets.push([`registry-${name}`, host, registryPort, http('/v2/acme/anything/manifests/latest', 'DELETE')]);
    }
    targets.push(['allowed-host', ALLOWED, 8080, http('/hello.txt')], ['private-host', BLOCKED, 8080, http('/hello.txt')]);
    const nonce = randomUUID();
    const repo = await world.repo({
      'probe.sh': probeScript(targets),
      Dockerfile: `FROM busybox:latest\nCOPY probe.sh /probe.sh\nRUN echo ${nonce} && sh /probe.sh | sed 's/^/run: /'\n`,
      '.drydock.yml': 'images:\n  - { name: probe, test: "sh /probe.sh | sed \'s/^/test: /\'" }\n',
    });
    const build = await waitForBuild(world.drydock.url, await world.push(repo), { timeoutMs: 240_000 });
    const log = await logOf(build.id);
    expect(build.status).toBe('success');
    expect(log).toMatch(/host is 10\.(22[4-9]|23\d)\.127\.253/); // a repository's own engine (subnet-slots.ts), not the test engine
    for (const phase of ['run', 'test']) {
      for (const [label] of targets.filter(([label]) => label !== 'allowed-host')) expect(log).toContain(`${phase}: ${label} silent`);
      expect(log).toMatch(new RegExp(`${phase}: allowed-host answered: .*${HELLO}`));
    }
    expect(log).not.toMatch(/(api|redis|registry|private)-\S+ answered/);
  }, 300_000);

  it.each([
    ['the API', () => `http://127.0.0.1:${apiPort}/api/builds`],
    ['Redis', () => `http://127.0.0.1:${redisPort}/`],
    ['the registry (no credentials inside)', () => `http://${services.registry}/v2/_catalog`],
    ['a private address not allowed', () => `http://${BLOCKED}:8080/hello.txt`],
  ])('an ADD URL aimed at %s fails the build', async (_what, url) => {
    const repo = await world.repo({ Dockerfile: `FROM busybox:latest\nADD ${url()} /got\nRUN cat /got\n` });
    const build = await waitForBuild(world.drydock.url, await world.push(repo), { timeoutMs: 120_000 });
    expect(build.status).toBe('failure');
    expect(await logOf(build.id)).toMatch(/connection refused|401|i\/o timeout|deadline exceeded/);
  }, 150_000);

  it('an ADD URL on an allowed host is fetched', async () => {
    const repo = await world.repo({ Dockerfile: `FROM busybox:latest\nADD http://${ALLOWED}:8080/hello.txt /hello.txt\nRUN grep -q ${HELLO} /hello.txt\n` });
    const build = await waitForBuild(world.drydock.url, await world.push(repo), { timeoutMs: 120_000 });
    expect(build.status).toBe('success');
  }, 150_000);
});
