import { describe, expect, it } from '@jest/globals';
import { isNetworkFailure } from './git-failure.js';

// Captured from git 2.39 (`git ls-remote` / fetch) against servers that failed on purpose.
describe('isNetworkFailure', () => {
  it.each([
    "fatal: unable to access 'http://127.0.0.1:19998/a.git/': Failed to connect to 127.0.0.1 port 19998 after 0 ms: Couldn't connect to server",
    "fatal: unable to access 'http://127.0.0.1:20101/a.git/': The requested URL returned error: 503",
    "fatal: unable to access 'http://127.0.0.1:20103/a.git/': Recv failure: Connection reset by peer",
    "fatal: unable to access 'http://127.0.0.1:20104/a.git/': Empty reply from server",
    "fatal: unable to access 'http://nonexistent.invalid/a.git/': Could not resolve host: nonexistent.invalid",
    'error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502\nfatal: expected flush after ref listing',
    'fatal: early EOF\nfatal: fetch-pack: invalid index-pack output',
    "error: RPC failed; curl 28 Operation too slow. Less than 1000 bytes/sec transferred the last 60 seconds",
  ])('is a network failure: %s', (message) => {
    expect(isNetworkFailure(message)).toBe(true);
  });

  it.each([
    "fatal: repository 'http://127.0.0.1:20102/a.git/' not found",
    "fatal: could not read Username for 'http://127.0.0.1:20105': terminal prompts disabled",
    "fatal: unable to access 'https://github.com/acme/private.git/': The requested URL returned error: 403",
    'fatal: couldn\'t find remote ref refs/heads/nope',
  ])('is not: %s', (message) => {
    expect(isNetworkFailure(message)).toBe(false);
  });
});
