import { describe, expect, it } from '@jest/globals';
import { displayUrl, githubGitHost, mayReceiveToken, mirrorDirFor, parseCloneUrl } from './repo-url.js';

describe('mayReceiveToken', () => {
  const github = 'https://api.github.com';
  it.each([
    ['https://github.com/acme/widget.git', github, true],
    ['https://x-access-token@github.com/acme/widget.git', github, true],
    ['https://GitHub.com/acme/widget.git', github, true],
    ['https://github.com:443/acme/widget.git', github, true],
    ['http://github.com/acme/widget.git', github, false], // plain HTTP is another port
    ['https://api.github.com/acme/widget.git', github, false],
    ['https://github.com.evil.example/acme/widget.git', github, false],
    ['https://gitlab.com/acme/widget.git', github, false],
    ['ssh://git@github.com/acme/widget.git', github, false],
    ['git@github.com:acme/widget.git', github, false],
    ['https://ghe.corp/acme/widget.git', 'https://ghe.corp/api/v3', true],
    ['https://ghe.corp:8443/acme/widget.git', 'https://ghe.corp/api/v3', false],
    ['https://github.com/acme/widget.git', 'https://ghe.corp/api/v3', false],
    ['http://127.0.0.1:8080/acme/widget.git', 'http://127.0.0.1:8080/api/v3', false], // never over plain HTTP, even to the GitHub host
    ['http://ghe.corp:443/acme/widget.git', 'https://ghe.corp/api/v3', false],
    ['https://127.0.0.1:8443/acme/widget.git', 'https://127.0.0.1:8443/api/v3', true],
    ['http://127.0.0.1:8081/acme/widget.git', 'http://127.0.0.1:8080/api/v3', false],
    ['not a url', github, false],
  ])('%s with API %s -> %s', (cloneUrl, apiUrl, expected) => {
    expect(mayReceiveToken(cloneUrl, apiUrl)).toBe(expected);
  });

  it('names the git host of an API', () => {
    expect(githubGitHost('https://api.github.com')).toBe('github.com:443');
    expect(githubGitHost('https://ghe.corp/api/v3')).toBe('ghe.corp:443');
    expect(githubGitHost('http://127.0.0.1:9000')).toBe('127.0.0.1:9000');
  });
});

describe('mirrorDirFor', () => {
  it.each([
    ['https://github.com/Acme/Widget.git', '/data/git/github.com/Acme/Widget.git'],
    ['https://github.com/Acme/Widget', '/data/git/github.com/Acme/Widget.git'],
    ['https://user:pw@github.com/acme/widget.git', '/data/git/github.com/acme/widget.git'],
    ['http://127.0.0.1:8080/acme/widget.git', '/data/git/127.0.0.1_8080/acme/widget.git'],
    ['git@github.com:acme/widget.git', '/data/git/github.com/acme/widget.git'],
    ['ssh://git@ghe.corp:2222/team/sub/repo.git', '/data/git/ghe.corp_2222/team/sub/repo.git'],
    ['file:///srv/repos/widget.git', '/data/git/local/srv/repos/widget.git'],
    ['/srv/repos/widget.git', '/data/git/local/srv/repos/widget.git'],
    ['https://h.example/a/%2e%2e/%2e%2e/etc/passwd', '/data/git/h.example/etc/passwd.git'],
    ['https://[::1]:8080/acme/widget.git', '/data/git/___1__8080/acme/widget.git'],
    ['https://h.example/ow ner/.hidden/$(x).git', '/data/git/h.example/ow_ner/_.hidden/__x_.git'],
  ])('%s -> %s', (cloneUrl, expected) => {
    expect(mirrorDirFor('/data', cloneUrl)).toBe(expected);
  });

  it.each(['ext::sh -c touch% /tmp/x', '--upload-pack=touch /tmp/x', 'ftp://h.example/r.git', ''])('refuses %j', (url) => {
    expect(parseCloneUrl(url)).toBeNull();
    expect(() => mirrorDirFor('/data', url)).toThrow(TypeError);
  });
});

describe('displayUrl', () => {
  it('drops user name and password', () => {
    expect(displayUrl('https://x-access-token:ghs_secret@github.com/acme/widget.git')).toBe('https://github.com/acme/widget.git');
    expect(displayUrl('https://github.com/acme/widget.git')).toBe('https://github.com/acme/widget.git');
    expect(displayUrl('git@github.com:acme/widget.git')).toBe('git@github.com:acme/widget.git');
  });
});
