import { describe, expect, it } from '@jest/globals';
import { rejectionOf } from '@drydock/testing';
import type { GitHubAppAuth } from './github-app.js';
import { GitHubRefusal } from './github-client.js';
import { GitHubRepoCredentials } from './repo-credentials.js';

const GITHUB_TOKEN = 'ghp_personal_token_abc';

/** An App installed as `installed` (repo -> installation); notes every question; `refuse` makes each one reject. */
function fakeApp(installed: Record<string, number>, refuse?: GitHubRefusal): GitHubAppAuth & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    installationToken: async (id) => {
      asked.push(`token ${id}`);
      if (refuse) throw refuse;
      return `ghs_installation_${id}`;
    },
    installationOf: async (repo) => {
      asked.push(`installation ${repo}`);
      if (refuse) throw refuse;
      return installed[repo];
    },
    appJwt: async () => 'jwt',
  };
}

describe('GitHubRepoCredentials', () => {
  it('gives GITHUB_TOKEN without an App, or nothing when there is none', async () => {
    expect(await new GitHubRepoCredentials(GITHUB_TOKEN, null).tokenFor({ repo: 'acme/app', installationId: 31 })).toBe(GITHUB_TOKEN);
    expect(await new GitHubRepoCredentials(undefined, null).tokenFor({ repo: 'acme/app', installationId: null })).toBeUndefined();
  });

  it('gives the token of the build\'s own installation, without looking the repository up', async () => {
    const app = fakeApp({ 'acme/app': 99 });
    expect(await new GitHubRepoCredentials(GITHUB_TOKEN, app).tokenFor({ repo: 'acme/app', installationId: 31 })).toBe('ghs_installation_31');
    expect(app.asked).toEqual(['token 31']);
  });

  it('gives the token of the installation on the repository when the build names none', async () => {
    const app = fakeApp({ 'acme/app': 99 });
    expect(await new GitHubRepoCredentials(GITHUB_TOKEN, app).tokenFor({ repo: 'acme/app', installationId: null })).toBe('ghs_installation_99');
    expect(app.asked).toEqual(['installation acme/app', 'token 99']);
  });

  it('falls back to GITHUB_TOKEN, if any, on a repository the App is not installed on', async () => {
    const app = fakeApp({});
    expect(await new GitHubRepoCredentials(GITHUB_TOKEN, app).tokenFor({ repo: 'acme/public', installationId: null })).toBe(GITHUB_TOKEN);
    expect(await new GitHubRepoCredentials(undefined, app).tokenFor({ repo: 'acme/public', installationId: null })).toBeUndefined();
    expect(app.asked).toEqual(['installation acme/public', 'installation acme/public']);
  });

  it('gives GITHUB_TOKEN for a bare git URL without asking the App', async () => {
    const app = fakeApp({ 'acme/app': 99 });
    const credentials = new GitHubRepoCredentials(GITHUB_TOKEN, app);
    expect(await credentials.tokenFor({ repo: 'https://git.example/acme/app.git', installationId: null })).toBe(GITHUB_TOKEN);
    expect(await credentials.tokenFor({ repo: 'https://git.example/acme/app.git', installationId: 31 })).toBe(GITHUB_TOKEN);
    expect(app.asked).toEqual([]);
  });

  it('rejects as `unavailable`, naming the repository and no token, when the App cannot get one', async () => {
    const refusal = new GitHubRefusal('unavailable', 'HTTP 502: Bad Gateway', 502);
    for (const installationId of [31, null]) {
      const err = await rejectionOf(new GitHubRepoCredentials(GITHUB_TOKEN, fakeApp({ 'acme/app': 99 }, refusal)).tokenFor({ repo: 'acme/app', installationId }));
      expect(err.code).toBe('unavailable');
      expect(err.message).toContain('acme/app');
      expect(err.message).toContain('HTTP 502: Bad Gateway');
      expect(err.message).not.toContain(GITHUB_TOKEN);
      expect(err.message).not.toMatch(/ghs_/);
      expect(err.cause).toBe(refusal);
    }
  });
});
