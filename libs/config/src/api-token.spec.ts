import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withApiToken } from './api-token.js';
import { ConfigInvalidError, loadConfig } from './app-config.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'drydock-config-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('withApiToken', () => {
  it('generates a token into <dataDir>/api-token, readable by the owner only, and masks it', () => {
    const { config, origin } = withApiToken(loadConfig({ DRYDOCK_DATA_DIR: dataDir }));
    const file = path.join(dataDir, 'api-token');
    expect(origin).toEqual({ kind: 'file', file, created: true });
    expect(config.apiToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(config.secrets).toContain(config.apiToken);
    expect(readdirSync(dataDir)).toEqual(['api-token']); // no temporary file left
  });

  it('reuses the file on later starts, as a second process starting at once does', () => {
    const first = withApiToken(loadConfig({ DRYDOCK_DATA_DIR: dataDir }));
    const second = withApiToken(loadConfig({ DRYDOCK_DATA_DIR: dataDir }));
    expect(second.config.apiToken).toBe(first.config.apiToken);
    expect(second.origin).toMatchObject({ created: false });
  });

  it('takes DRYDOCK_API_TOKEN as it is and writes nothing', () => {
    const { config, origin } = withApiToken(loadConfig({ DRYDOCK_DATA_DIR: dataDir, DRYDOCK_API_TOKEN: 'set-by-the-operator' }));
    expect(config.apiToken).toBe('set-by-the-operator');
    expect(origin).toEqual({ kind: 'environment' });
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses a token file too short to be a credential', () => {
    writeFileSync(path.join(dataDir, 'api-token'), '\n');
    expect(() => withApiToken(loadConfig({ DRYDOCK_DATA_DIR: dataDir }))).toThrow(ConfigInvalidError);
  });
});

describe('loadConfig: secrets and allowed repositories', () => {
  it('masks the passwords in DATABASE_URL and REDIS_URL, as written and decoded', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://drydock:pg%2Fpass1@db/drydock', REDIS_URL: 'redis://:redis-pass-2@cache:6379' });
    expect(config.secrets).toEqual(expect.arrayContaining(['pg%2Fpass1', 'pg/pass1', 'redis-pass-2']));
  });

  it('splits DRYDOCK_ALLOWED_REPOS into globs over host/owner/name, empty by default', () => {
    expect(loadConfig({}).allowedRepos).toEqual([]);
    expect(loadConfig({ DRYDOCK_ALLOWED_REPOS: ' github.com/acme/* , git.internal:8443/team/** ,' }).allowedRepos).toEqual([
      'github.com/acme/*',
      'git.internal:8443/team/**',
    ]);
  });

  it('splits DRYDOCK_BUILD_ALLOW_NETS into IPv4 CIDRs and refuses anything else, naming the variable', () => {
    expect(loadConfig({}).buildAllowNets).toEqual([]);
    expect(loadConfig({ DRYDOCK_BUILD_ALLOW_NETS: ' 10.1.2.0/24, 192.168.5.7 ,' }).buildAllowNets).toEqual(['10.1.2.0/24', '192.168.5.7']);
    for (const bad of ['10.1.2.0/33', '10.1.256.0/24', 'fd00::/8', 'intranet']) {
      expect(() => loadConfig({ DRYDOCK_BUILD_ALLOW_NETS: bad })).toThrow(/DRYDOCK_BUILD_ALLOW_NETS/);
    }
  });

  it('refuses an allowed-repos entry that is not host/owner/name', () => {
    for (const bad of ['https://github.com/acme/app', 'acme/app', 'github.com/acme app/x']) {
      expect(() => loadConfig({ DRYDOCK_ALLOWED_REPOS: bad })).toThrow(/DRYDOCK_ALLOWED_REPOS/);
    }
  });
});
