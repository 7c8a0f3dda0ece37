import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTempRepo, startGitHttpServer, type GitHttpServer, type TempRepo, rejectionOf } from '@drydock/testing';
import type { CheckoutOptions } from './git-client.js';
import { mirrorDirFor } from './repo-url.js';
import { SimpleGitClient } from './simple-git-client.js';

const headOf = (dir: string) => execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

describe('SimpleGitClient', () => {
  let server: GitHttpServer;
  let repo: TempRepo;
  let dataDir: string;
  let client: SimpleGitClient;
  let checkouts = 0;
  const logs: string[] = [];

  const checkout = (options: Partial<CheckoutOptions> = {}, via = client) => {
    const destDir = path.join(dataDir, 'checkouts', String(++checkouts));
    const call = via.checkout({
      cloneUrl: repo.cloneUrl,
      ref: 'refs/heads/main',
      sha: null,
      destDir,
      signal: new AbortController().signal,
      onLog: (line) => logs.push(line),
      ...options,
    });
    return call.then((result) => ({ ...result, dir: options.destDir ?? destDir }));
  };

  beforeAll(async () => {
    server = await startGitHttpServer();
    repo = await createTempRepo(server, 'acme/widget', {
      files: { Dockerfile: 'FROM busybox:latest\n', 'docs/with space/ünïcödé.txt': 'hello\n' },
    });
    dataDir = await mkdtemp(path.join(tmpdir(), 'drydock-git-spec-'));
    client = new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com' });
  });

  afterAll(async () => {
    await repo.dispose();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('clones over HTTP into a bare mirror and checks out the tip of the branch', async () => {
    const { sha, dir } = await checkout();

    expect(sha).toBe(repo.sha);
    expect(headOf(dir)).toBe(repo.sha);
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM busybox:latest\n');
    expect(readFileSync(path.join(dir, 'docs/with space/ünïcödé.txt'), 'utf8')).toBe('hello\n');
    const mirror = mirrorDirFor(dataDir, repo.cloneUrl);
    expect(mirror).toBe(path.join(dataDir, 'git', server.url.replace('http://', '').replace(':', '_'), 'acme', 'widget.git'));
    expect(execFileSync('git', ['--git-dir', mirror, 'rev-parse', '--is-bare-repository'], { encoding: 'utf8' }).trim()).toBe('true');
  });

  it('fetches new commits into the same mirror instead of cloning again', async () => {
    const mirror = mirrorDirFor(dataDir, repo.cloneUrl);
    await checkout();
    const inode = statSync(mirror).ino;
    const marker = path.join(mirror, 'drydock-spec-marker'); // a re-clone would lose it
    writeFileSync(marker, 'still here');
    const next = await repo.commit({ 'next.txt': 'two\n' }, { message: 'second' });

    const { sha, dir } = await checkout();

    expect(sha).toBe(next);
    expect(readFileSync(path.join(dir, 'next.txt'), 'utf8')).toBe('two\n');
    expect(statSync(mirror).ino).toBe(inode);
    expect(existsSync(marker)).toBe(true);
  });

  it('checks out the exact sha asked for, not the tip, and expands an abbreviated one', async () => {
    await repo.commit({ 'later.txt': 'later\n' }, { message: 'later' });

    const { sha, dir } = await checkout({ sha: repo.sha.slice(0, 10) });

    expect(sha).toBe(repo.sha);
    expect(headOf(dir)).toBe(repo.sha);
    expect(existsSync(path.join(dir, 'later.txt'))).toBe(false);
  });

  it('fails with clone_failed naming the commit and the URL when the sha does not exist', async () => {
    const missing = 'deadbeef'.repeat(5);
    const err = await rejectionOf(checkout({ sha: missing }));
    expect(err.code).toBe('clone_failed');
    expect(err.message).toContain(`commit ${missing} not found in ${repo.cloneUrl}`);
  });

  it('resolves tags, pull request refs and plain branch names', async () => {
    const tagged = await repo.tag('v1.2.3', { message: 'release' });
    const feature = await repo.commit({ 'feature.txt': 'f\n' }, { branch: 'feature/x' });
    await repo.pushRef('refs/pull/7/head', feature);

    expect((await checkout({ ref: 'refs/tags/v1.2.3' })).sha).toBe(tagged);
    expect((await checkout({ ref: 'refs/pull/7/head' })).sha).toBe(feature);
    expect((await checkout({ ref: 'feature/x' })).sha).toBe(feature);
    const err = await rejectionOf(checkout({ ref: 'refs/heads/no-such-branch' }));
    expect(err.code).toBe('clone_failed');
    expect(err.message).toContain('no-such-branch');
  });

  it('treats a branch name full of shell syntax as data', async () => {
    // Refs cannot hold spaces, so ${IFS} stands in for one: a shell would still run these.
    const pwned = [1, 2].map((n) => path.join(tmpdir(), `drydock-pwned-${process.pid}-${n}`));
    const branch = `feat/$(touch\${IFS}${pwned[0]})\`touch\${IFS}${pwned[1]}\`;&|<>`;
    const sha = await repo.commit({ 'evil.txt': 'x\n' }, { branch });

    const result = await checkout({ ref: `refs/heads/${branch}` });

    expect(result.sha).toBe(sha);
    expect(headOf(result.dir)).toBe(sha);
    for (const file of pwned) expect(existsSync(file)).toBe(false);
  });

  it('serialises concurrent checkouts of one repository', async () => {
    const fresh = new SimpleGitClient({ dataDir: await mkdtemp(path.join(tmpdir(), 'drydock-git-spec-')), githubApiUrl: 'https://api.github.com' });
    const tip = await repo.resolve('refs/heads/main');

    const results = await Promise.all([1, 2, 3, 4].map(() => checkout({}, fresh)));

    expect(results.map((r) => r.sha)).toEqual([tip, tip, tip, tip]);
    for (const r of results) expect(headOf(r.dir)).toBe(tip);
  });

  it('names the URL without its credentials when the server refuses', async () => {
    const url = `${server.url.replace('://', '://someone:hunter22@')}/acme/missing.git`;
    const err = await rejectionOf(checkout({ cloneUrl: url }));
    expect(err.code).toBe('clone_failed');
    expect(err.message).toContain(`${server.url}/acme/missing.git`);
    expect(err.message).not.toContain('hunter22');
  });

  it('never sends the token over plain HTTP, not even to the GitHub host, nor credentials written in the URL', async () => {
    const token = 'ghs_spec_token_123';
    const privateServer = await startGitHttpServer({ requireToken: token });
    const privateRepo = await createTempRepo(privateServer, 'acme/private');
    try {
      const onGithubHost = new SimpleGitClient({ dataDir, githubApiUrl: `${privateServer.url}/api/v3` });
      const withToken = await rejectionOf(checkout({ cloneUrl: privateRepo.cloneUrl, token }, onGithubHost));
      expect(withToken.code).toBe('clone_failed');
      expect(withToken.message).toContain('no credentials are sent');
      const inUrl = privateRepo.cloneUrl.replace('://', `://x-access-token:${token}@`);
      const withCredentials = await rejectionOf(checkout({ cloneUrl: inUrl }, onGithubHost));
      expect(withCredentials.code).toBe('clone_failed');
      expect(withCredentials.message).not.toContain(token);

      expect(privateServer.requests.length).toBeGreaterThan(0);
      expect(privateServer.requests.every((r) => r.authorization === undefined)).toBe(true);
      const mirror = mirrorDirFor(dataDir, privateRepo.cloneUrl);
      for (const file of ['config', 'FETCH_HEAD']) {
        const text = existsSync(path.join(mirror, file)) ? readFileSync(path.join(mirror, file), 'utf8') : '';
        expect(text).not.toContain(token);
      }
      expect(logs.join('\n')).not.toContain(token);
    } finally {
      await privateRepo.dispose();
      await privateServer.close();
    }
  });

  it('refuses a commit larger than DRYDOCK_MAX_CHECKOUT_MB before writing it, naming the size and the limit', async () => {
    const big = await createTempRepo(server, 'acme/big', { files: { 'blob.bin': 'x'.repeat(3 * 1024 * 1024), 'small.txt': 'hi\n' } });
    try {
      const capped = new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com', maxCheckoutBytes: 2 * 1024 * 1024 });
      const destDir = path.join(dataDir, 'checkouts', 'too-big');
      const err = await rejectionOf(checkout({ cloneUrl: big.cloneUrl, destDir }, capped));
      expect(err.code).toBe('clone_failed');
      expect(err.message).toContain('3.0 MiB, over the limit of 2.0 MiB');
      expect(existsSync(path.join(destDir, 'blob.bin'))).toBe(false);
      const roomy = new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com', maxCheckoutBytes: 4 * 1024 * 1024 });
      expect((await checkout({ cloneUrl: big.cloneUrl }, roomy)).sha).toBe(big.sha);
    } finally {
      await big.dispose();
    }
  });

  describe('cancellation', () => {
    let stalled: Server;
    let stalledUrl: string;

    beforeAll(async () => {
      stalled = createServer(() => undefined); // accepts and never answers
      await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
      stalledUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/acme/slow.git`;
    });

    afterAll(async () => {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    });

    it('rejects at once when aborted before the call', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejectionOf(checkout({ signal: controller.signal }));
      expect(err.code).toBe('cancelled');
    });

    it('fails a stalled fetch as unavailable (a network failure, tried once more by the pipeline) once it is too slow for too long', async () => {
      const impatient = new SimpleGitClient({ dataDir, githubApiUrl: 'https://api.github.com', lowSpeed: { bytesPerSecond: 1000, seconds: 2 } });
      const started = Date.now();
      const err = await rejectionOf(checkout({ cloneUrl: stalledUrl }, impatient));
      expect(err.code).toBe('unavailable');
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('kills a hanging fetch and rejects with cancelled', async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 500);
      const err = await rejectionOf(checkout({ cloneUrl: stalledUrl, signal: controller.signal }));
      expect(err.code).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  it('removes a checkout, and does not mind when it is already gone', async () => {
    const { dir } = await checkout();
    await client.removeCheckout(dir);
    expect(existsSync(dir)).toBe(false);
    await expect(client.removeCheckout(dir)).resolves.toBeUndefined();
  });
});
