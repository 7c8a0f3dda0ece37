import { describe, expect, it } from '@jest/globals';
import { allowedEnvironment, gitEnvironment, gitRemote } from './git-env.js';

const github = 'https://api.github.com';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('gitRemote', () => {
  it('sends the token over HTTPS to the GitHub host', () => {
    expect(gitRemote('https://github.com/acme/widget.git', github, 'ghs_tok')).toEqual({
      url: 'https://github.com/acme/widget.git',
      authorization: basic('x-access-token', 'ghs_tok'),
    });
  });

  it('never sends the token over plain HTTP, not even to the GitHub host', () => {
    expect(gitRemote('http://github.com/acme/widget.git', github, 'ghs_tok').authorization).toBeUndefined();
    expect(gitRemote('http://127.0.0.1:8080/acme/widget.git', 'http://127.0.0.1:8080/api/v3', 'ghs_tok').authorization).toBeUndefined();
    expect(gitRemote('https://gitlab.com/acme/widget.git', github, 'ghs_tok').authorization).toBeUndefined();
  });

  it('takes credentials out of an HTTPS clone URL and sends them as a header', () => {
    const remote = gitRemote('https://bob:p%40ss@git.example/acme/widget.git', github, undefined);
    expect(remote.url).toBe('https://git.example/acme/widget.git');
    expect(remote.authorization).toBe(basic('bob', 'p@ss'));
  });

  it('drops credentials written in a plain HTTP clone URL', () => {
    expect(gitRemote('http://bob:hunter22@git.example/acme/widget.git', github, undefined)).toEqual({
      url: 'http://git.example/acme/widget.git',
      authorization: undefined,
    });
  });

  it('leaves URLs without credentials alone', () => {
    expect(gitRemote('git@github.com:acme/widget.git', github, 'ghs_tok')).toEqual({ url: 'git@github.com:acme/widget.git', authorization: undefined });
    expect(gitRemote('/srv/repos/widget.git', github, undefined)).toEqual({ url: '/srv/repos/widget.git', authorization: undefined });
  });
});

describe('gitEnvironment', () => {
  const lowSpeed = { bytesPerSecond: 1000, seconds: 60 };

  it('sets the low-speed limit and no header when there is nothing to send', () => {
    const env = gitEnvironment({ url: 'https://git.example/a/b.git', authorization: undefined }, lowSpeed, { PATH: '/bin', GIT_DIR: '/evil' });
    expect(env).toEqual({
      PATH: '/bin',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.lowSpeedLimit',
      GIT_CONFIG_VALUE_0: '1000',
      GIT_CONFIG_KEY_1: 'http.lowSpeedTime',
      GIT_CONFIG_VALUE_1: '60',
    });
    expect(allowedEnvironment(env).sort()).toEqual(['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_KEY_1', 'GIT_CONFIG_VALUE_0', 'GIT_CONFIG_VALUE_1', 'GIT_TERMINAL_PROMPT']);
  });

  it('scopes the header to the origin of the URL', () => {
    const env = gitEnvironment({ url: 'https://git.example:8443/a/b.git', authorization: 'Basic abc' }, lowSpeed, {});
    expect(env.GIT_CONFIG_COUNT).toBe('3');
    expect(env.GIT_CONFIG_KEY_2).toBe('http.https://git.example:8443/.extraHeader');
    expect(env.GIT_CONFIG_VALUE_2).toBe('Authorization: Basic abc');
  });
});
