import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigInvalidError, isGitHubApp, loadConfig } from './app-config.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('GitHub App mode', () => {
  it('is off without GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY; redeliveries every 300 s by default', () => {
    const config = loadConfig({ GITHUB_TOKEN: 'ghp_plain_token' });
    expect(isGitHubApp(config)).toBe(false);
    expect(config.github).toMatchObject({ appId: undefined, appPrivateKey: undefined, redeliverIntervalSeconds: 300 });
  });

  it('reads the key as PEM text (GitHub\'s PKCS#1, or with \\n escapes) and hands it on as PKCS#8', () => {
    for (const text of [pkcs1, pkcs1.replace(/\n/g, '\\n')]) {
      const config = loadConfig({ GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY: text });
      expect(isGitHubApp(config)).toBe(true);
      expect(config.github.appId).toBe('12345');
      expect(config.github.appPrivateKey).toBe(pkcs8);
      expect(config.secrets).toContain(pkcs8);
    }
  });

  it('reads the key from a file path, and takes DRYDOCK_REDELIVER_INTERVAL', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'drydock-app-key-')), 'app.pem');
    writeFileSync(file, pkcs1);
    const config = loadConfig({ GITHUB_APP_ID: 'Iv23liAbCdEf', GITHUB_APP_PRIVATE_KEY: file, DRYDOCK_REDELIVER_INTERVAL: '60' });
    expect(config.github.appPrivateKey).toBe(pkcs8);
    expect(config.github.redeliverIntervalSeconds).toBe(60);
  });

  it.each([
    [{ GITHUB_APP_ID: '12345' }, 'GITHUB_APP_PRIVATE_KEY: required with GITHUB_APP_ID'],
    [{ GITHUB_APP_PRIVATE_KEY: pkcs1 }, 'GITHUB_APP_ID: required with GITHUB_APP_PRIVATE_KEY'],
    [{ GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY: '/nonexistent/app.pem' }, 'GITHUB_APP_PRIVATE_KEY: neither PEM text nor a readable file'],
    [{ GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----' }, 'GITHUB_APP_PRIVATE_KEY: not a PEM private key'],
    [
      { GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      'GITHUB_APP_PRIVATE_KEY: a GitHub App key is RSA, this one is ec',
    ],
    [{ GITHUB_APP_ID: 'my-app', GITHUB_APP_PRIVATE_KEY: pkcs1 }, 'GITHUB_APP_ID: must be the App ID'],
    [{ DRYDOCK_REDELIVER_INTERVAL: '4' }, 'DRYDOCK_REDELIVER_INTERVAL'],
  ])('refuses to start with %j', (env, problem) => {
    expect(() => loadConfig(env)).toThrow(ConfigInvalidError);
    expect(() => loadConfig(env)).toThrow(problem);
  });
});
