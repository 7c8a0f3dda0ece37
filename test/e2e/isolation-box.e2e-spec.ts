import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { startE2eWorld, waitForBuild, type E2eWorld, type RepoFiles } from '@drydock/testing';

/**
 * Test containers in their box (issue 14): compose files asking for the host are refused before
 * anything runs, naming the key, unless the operator trusts the repository (DRYDOCK_TRUSTED_REPOS);
 * `test:` commands and compose services see no server secret and run under the configured limits;
 * a service may not replace a base image; a failed build leaves no image behind.
 */
const COMPOSE = 'docker-compose.test.yml';
const GITHUB_TOKEN = `ghp_isolation${randomBytes(12).toString('hex')}`;
const LIMITS = { memory: 256 * 1024 ** 2, pids: 300 };

let world: E2eWorld;
let secrets: string[];
beforeAll(async () => {
  const limits = { DRYDOCK_TEST_MEMORY: '256m', DRYDOCK_TEST_PIDS: String(LIMITS.pids), DRYDOCK_TEST_CPUS: '1' };
  world = await startE2eWorld({ env: { GITHUB_TOKEN, ...limits, DRYDOCK_TRUSTED_REPOS: '*/acme/trusted-*' } });
  const { env } = world.drydock;
  secrets = [GITHUB_TOKEN, world.webhookSecret, world.drydock.token, env.DATABASE_URL, env.REDIS_URL].filter((s): s is string => Boolean(s));
});
afterAll(() => world?.stop());

/** Builds a new repository `acme/<prefix>-…`; only `trusted-…` ones are listed in DRYDOCK_TRUSTED_REPOS. */
const built = async (files: RepoFiles, prefix = 'box'): Promise<Build> => waitForBuild(world.drydock.url, await world.push(await world.repo(files, prefix)), { timeoutMs: 120_000 });
const logOf = async (id: number) => (await world.drydock.api(`/api/builds/${id}/logs`)).text();
const testStarted = (build: Build) => build.steps.some((s) => s.name === 'test' && s.startedAt !== null);

/**
 * Prints, between markers, the limits the container's cgroup holds (v2 or v1) and its whole
 * environment as hex, which no log mask recognises: the test decodes it.
 */
const PROBE = [
  'echo mem=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)',
  'echo pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)',
  'echo nnp=$(grep NoNewPrivs /proc/self/status | tr -dc 0-9)',
  'echo env=$(env | od -An -tx1 | tr -d " \\n")',
].join('; ');

function probed(log: string): { mem: string; pids: string; nnp: string; env: string } {
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(log)?.[1] ?? '';
  return { mem: value('mem'), pids: value('pids'), nnp: value('nnp'), env: Buffer.from(value('env'), 'hex').toString('utf8') };
}

function expectNoSecret(text: string): void {
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
  }
}

describe('compose files asking for the host', () => {
  const sut = (lines: string) => `services:\n  sut:\n    image: \${DRYDOCK_IMAGE}\n    command: ["sh", "-c", "echo ran-the-sut"]\n${lines}`;
  it.each([
    ['a host bind mount', '    volumes: ["/:/host"]\n', 'services.sut.volumes[0]'],
    ['privileged', '    privileged: true\n', 'services.sut.privileged'],
    ['network_mode: host', '    network_mode: host\n', 'services.sut.network_mode'],
    ['pid: host', '    pid: host\n', 'services.sut.pid'],
    ['cap_add', '    cap_add: [SYS_ADMIN]\n', 'services.sut.cap_add'],
    ['devices', '    devices: ["/dev/kmsg:/dev/kmsg"]\n', 'services.sut.devices'],
    ['an env_file outside the repository', '    env_file: /etc/hostname\n', 'services.sut.env_file'],
    ['${GITHUB_TOKEN}', '    environment: { T: "${GITHUB_TOKEN}" }\n', 'services.sut.environment.T'],
  ])('refuses %s, naming the key, before anything runs', async (_what, lines, field) => {
    const build = await built({ Dockerfile: 'FROM busybox:latest\n', [COMPOSE]: sut(lines) });
    expect(build.status).toBe('failure');
    expect(build.error).toContain(`${COMPOSE}: ${field}: `);
    expect(build.steps.find((s) => s.name === 'build')?.startedAt ?? null).toBeNull();
    expect(testStarted(build)).toBe(false);
    const log = await logOf(build.id);
    expect(log).not.toContain('ran-the-sut');
    expectNoSecret(log);
    expect(world.docker('ps', '-aq', '--filter', `label=drydock.build=${build.id}`).trim()).toBe('');
  });
});

describe('a repository the operator trusts (DRYDOCK_TRUSTED_REPOS)', () => {
  // Succeeds only with NET_ADMIN, which Docker does not give by default.
  const netAdmin = 'services:\n  sut:\n    image: ${DRYDOCK_IMAGE}\n    cap_add: [NET_ADMIN]\n    command: ["sh", "-c", "ip addr add 10.9.9.9/32 dev lo && echo net-admin-ran"]\n';
  const files = { Dockerfile: 'FROM busybox:latest\n', [COMPOSE]: netAdmin };

  it('refuses cap_add for a repository not listed, and runs the same sut with it for a listed one, saying so in the log', async () => {
    const untrusted = await built(files);
    expect(untrusted.status).toBe('failure');
    expect(untrusted.error).toContain(`${COMPOSE}: services.sut.cap_add: not allowed`);
    expect(testStarted(untrusted)).toBe(false);

    const trusted = await built(files, 'trusted');
    expect(trusted.status).toBe('success');
    const log = await logOf(trusted.id);
    expect(log).toMatch(/compose: [^ ]+\/acme\/trusted-[0-9a-f]{8} is a trusted repository \(DRYDOCK_TRUSTED_REPOS\): services\.sut\.cap_add allowed/);
    expect(log).toContain('net-admin-ran');
    expect(world.docker('ps', '-aq', '--filter', `label=drydock.build=${trusted.id}`).trim()).toBe('');
    // The capability is what made it pass.
    const without = await built({ ...files, [COMPOSE]: netAdmin.replace('    cap_add: [NET_ADMIN]\n', '') }, 'trusted');
    expect(without).toMatchObject({ status: 'failure', error: expect.stringContaining(`Test failed: sut of ${COMPOSE} exited with`) });
  });

  it('still refuses ${GITHUB_TOKEN}, and privileged, which the box never gives, in a listed repository\'s compose file', async () => {
    const token = await built({ ...files, [COMPOSE]: `${netAdmin}    environment: { T: "\${GITHUB_TOKEN}" }\n` }, 'trusted');
    expect(token.status).toBe('failure');
    expect(token.error).toContain(`${COMPOSE}: services.sut.environment.T: \${GITHUB_TOKEN} is not available`);
    expectNoSecret(await logOf(token.id));

    const privileged = await built({ ...files, [COMPOSE]: `${netAdmin}    privileged: true\n` }, 'trusted');
    expect(privileged.status).toBe('failure');
    expect(privileged.error).toContain(`${COMPOSE}: services.sut.privileged: not allowed: test containers never run privileged, even for a trusted repository`);
    expect(testStarted(privileged)).toBe(false);
  });
});

describe('inside the box', () => {
  it('a test: command sees no server secret, not even encoded, and runs under the limits with no-new-privileges', async () => {
    const build = await built({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': `images:\n  - test: '${PROBE}'\n` });
    expect(build.status).toBe('success');
    const seen = probed(await logOf(build.id));
    expect(seen).toMatchObject({ mem: String(LIMITS.memory), pids: String(LIMITS.pids), nnp: '1' });
    expect(seen.env).toContain('PATH=');
    expectNoSecret(seen.env);
  });

  it('a compose sut passing secrets through sees none of them, and runs under the same limits', async () => {
    const compose = [
      'services:',
      '  sut:',
      '    image: ${DRYDOCK_IMAGE}',
      '    environment: [GITHUB_TOKEN, GITHUB_WEBHOOK_SECRET, DRYDOCK_API_TOKEN, DATABASE_URL, REDIS_URL]',
      '    entrypoint: ["sh", "-c"]',
      `    command: [${JSON.stringify(PROBE.replaceAll('$', '$$'))}]`,
      '',
    ].join('\n');
    const build = await built({ Dockerfile: 'FROM busybox:latest\n', [COMPOSE]: compose });
    expect(build.status).toBe('success');
    const seen = probed(await logOf(build.id));
    expect(seen).toMatchObject({ mem: String(LIMITS.memory), pids: String(LIMITS.pids), nnp: '1' });
    expect(seen.env).toContain('PATH=');
    expectNoSecret(seen.env);
  });
});

describe('repositories share nothing writable', () => {
  it('refuses a compose service that builds and names a base image; another repository then builds on the real base', async () => {
    const poison = await built({
      Dockerfile: 'FROM busybox:latest\n',
      'poison/Dockerfile': 'FROM busybox:latest\nRUN echo poisoned > /poisoned\n',
      [COMPOSE]: 'services:\n  base:\n    build: ./poison\n    image: busybox:latest\n  sut:\n    image: ${DRYDOCK_IMAGE}\n    depends_on: [base]\n',
    });
    expect(poison.status).toBe('failure');
    expect(poison.error).toContain(`${COMPOSE}: services.base.image: not allowed: a service that builds may not name its image ("busybox:latest")`);

    const other = await built({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "test ! -e /poisoned"\n' });
    expect(other.status).toBe('success');
  });

  it('leaves no image of a failed build on the engine, and names local images so no other build can guess them', async () => {
    const failed = await built({ Dockerfile: 'FROM busybox:latest\nRUN echo private > /private.txt\n', '.drydock.yml': 'images:\n  - test: "exit 3"\n' });
    expect(failed.status).toBe('failure');
    const localRef = new RegExp(`drydock/b${failed.id}-[0-9a-f]{32}:0`).exec(await logOf(failed.id))?.[0];
    expect(localRef).toBeDefined();
    expect(world.docker('images', '-q', '--filter', `label=drydock.build=${failed.id}`).trim()).toBe('');
    expect(world.docker('images', '--format', '{{.Repository}}', '--filter', `reference=drydock/b${failed.id}-*`).trim()).toBe('');

    for (const name of [localRef, `drydock/build-${failed.id}:0`]) {
      const reader = await built({ Dockerfile: `FROM ${name}\n` });
      expect(reader).toMatchObject({ status: 'failure', error: expect.stringContaining('docker buildx build failed') });
    }
  });
});
