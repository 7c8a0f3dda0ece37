import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig, memoryBytes } from './app-config.js';

describe('test container limits', () => {
  it('defaults to 2g, 2 CPUs and 1024 processes', () => {
    expect(loadConfig({}).testLimits).toEqual({ memoryBytes: 2 * 1024 ** 3, cpus: 2, pids: 1024 });
  });

  it('reads docker\'s size syntax, CPUs and processes', () => {
    const config = loadConfig({ DRYDOCK_TEST_MEMORY: '512m', DRYDOCK_TEST_CPUS: '0.5', DRYDOCK_TEST_PIDS: '64' });
    expect(config.testLimits).toEqual({ memoryBytes: 512 * 1024 ** 2, cpus: 0.5, pids: 64 });
  });

  it.each([
    ['2g', 2 * 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['300 MB', 300 * 1024 ** 2],
    ['1073741824', 1024 ** 3],
    ['1t', 1024 ** 4],
  ])('%s is %d bytes', (text, bytes) => {
    expect(memoryBytes(text)).toBe(bytes);
  });

  it.each(['', '2x', '-1g', 'g', '1m', '2 g b'])('refuses %j', (text) => {
    expect(memoryBytes(text)).toBeNull();
  });

  it.each([
    [{ DRYDOCK_TEST_MEMORY: 'lots' }, 'DRYDOCK_TEST_MEMORY: must be a size'],
    [{ DRYDOCK_TEST_CPUS: '0' }, 'DRYDOCK_TEST_CPUS'],
    [{ DRYDOCK_TEST_PIDS: '8' }, 'DRYDOCK_TEST_PIDS'],
  ])('fails at start-up on %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('build engines', () => {
  it('builds on DOCKER_HOST\'s one engine unless DRYDOCK_ENGINES_DIR is set; then at most DRYDOCK_MAX_ENGINES (4)', () => {
    expect(loadConfig({ DOCKER_HOST: 'unix:///run/x.sock' }).engines).toBeUndefined();
    expect(loadConfig({ DRYDOCK_ENGINES_DIR: '' }).engines).toBeUndefined();
    expect(loadConfig({ DRYDOCK_ENGINES_DIR: '/var/lib/drydock/engines' }).engines).toEqual({ dir: '/var/lib/drydock/engines', max: 4 });
    expect(loadConfig({ DRYDOCK_ENGINES_DIR: '/e', DRYDOCK_MAX_ENGINES: '2' }).engines).toEqual({ dir: '/e', max: 2 });
    expect(() => loadConfig({ DRYDOCK_ENGINES_DIR: '/e', DRYDOCK_MAX_ENGINES: '0' })).toThrow(/DRYDOCK_MAX_ENGINES/);
  });
});

describe('build secrets', () => {
  it('has no secrets directory unless DRYDOCK_SECRETS_DIR is set; a relative one is resolved', () => {
    expect(loadConfig({}).secretsDir).toBeUndefined();
    expect(loadConfig({ DRYDOCK_SECRETS_DIR: ' ' }).secretsDir).toBeUndefined();
    expect(loadConfig({ DRYDOCK_SECRETS_DIR: '/etc/drydock/secrets' }).secretsDir).toBe('/etc/drydock/secrets');
    expect(loadConfig({ DRYDOCK_SECRETS_DIR: 'secrets' }).secretsDir).toBe(path.resolve('secrets'));
  });
});

describe('trusted repositories', () => {
  it('splits DRYDOCK_TRUSTED_REPOS into globs over host/owner/name, empty (none trusted) by default', () => {
    expect(loadConfig({}).trustedRepos).toEqual([]);
    expect(loadConfig({ DRYDOCK_TRUSTED_REPOS: ' github.com/acme/infra , git.internal:8443/ops/** ,' }).trustedRepos).toEqual([
      'github.com/acme/infra',
      'git.internal:8443/ops/**',
    ]);
  });

  it.each(['https://github.com/acme/app', 'acme/app', 'github.com/acme app/x'])('refuses %j at start-up, naming the variable', (bad) => {
    expect(() => loadConfig({ DRYDOCK_TRUSTED_REPOS: bad })).toThrow(/DRYDOCK_TRUSTED_REPOS/);
  });
});

describe('shutdown grace', () => {
  it('gives running builds DRYDOCK_SHUTDOWN_GRACE seconds after SIGTERM, 600 by default', () => {
    expect(loadConfig({}).shutdownGraceSeconds).toBe(600);
    expect(loadConfig({ DRYDOCK_SHUTDOWN_GRACE: '30' }).shutdownGraceSeconds).toBe(30);
  });

  it.each(['0', '-5', 'soon', '1.5'])('refuses %j at start-up, naming the variable', (bad) => {
    expect(() => loadConfig({ DRYDOCK_SHUTDOWN_GRACE: bad })).toThrow(/DRYDOCK_SHUTDOWN_GRACE/);
  });
});

describe('repository concurrency', () => {
  it('runs one build of a repository at a time unless DRYDOCK_REPO_CONCURRENCY says more', () => {
    expect(loadConfig({}).repoConcurrency).toBe(1);
    expect(loadConfig({ DRYDOCK_REPO_CONCURRENCY: '3' }).repoConcurrency).toBe(3);
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses %j at start-up, naming the variable', (bad) => {
    expect(() => loadConfig({ DRYDOCK_REPO_CONCURRENCY: bad })).toThrow(/DRYDOCK_REPO_CONCURRENCY/);
  });
});

describe('fork pull requests', () => {
  it('waits for approval by default; DRYDOCK_FORK_PRS may run them sandboxed or ignore them, nothing else', () => {
    expect(loadConfig({}).forkPrs).toBe('approve');
    expect(loadConfig({ DRYDOCK_FORK_PRS: 'run' }).forkPrs).toBe('run');
    expect(loadConfig({ DRYDOCK_FORK_PRS: 'off' }).forkPrs).toBe('off');
    expect(() => loadConfig({ DRYDOCK_FORK_PRS: 'yes' })).toThrow(/DRYDOCK_FORK_PRS/);
  });
});
