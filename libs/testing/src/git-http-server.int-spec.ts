import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';
import { createTempRepo, type TempRepo } from './temp-repo.js';

const execFileAsync = promisify(execFile);
const git = async (cwd: string, ...args: string[]) =>
  (await execFileAsync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout.trim();

describe('git HTTP server and temp repos', () => {
  let server: GitHttpServer;
  let repo: TempRepo;
  let work: string;

  beforeAll(async () => {
    server = await startGitHttpServer();
    repo = await createTempRepo(server, 'acme/tools', { files: { 'a b/ü.txt': 'one\n' } });
    work = await mkdtemp(path.join(tmpdir(), 'drydock-testing-spec-'));
  });

  afterAll(async () => {
    await repo.dispose();
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('serves clones to a plain git client, with branches, tags and pushed refs', async () => {
    const feature = await repo.commit({ 'a b/ü.txt': null, 'new.txt': 'two\n' }, { branch: 'feature/ünïcode' });
    await repo.tag('v1.0.0', { message: 'release' });
    await repo.pushRef('refs/pull/3/head', feature);

    await git(work, 'clone', '--quiet', repo.cloneUrl, 'clone');
    const clone = path.join(work, 'clone');
    expect(await readFile(path.join(clone, 'a b/ü.txt'), 'utf8')).toBe('one\n');
    expect(await git(clone, 'rev-parse', 'HEAD')).toBe(repo.sha);
    expect(await git(clone, 'rev-parse', 'origin/feature/ünïcode')).toBe(feature);
    expect(await git(clone, 'rev-parse', 'v1.0.0^{commit}')).toBe(repo.sha);
    const remoteRefs = await git(clone, 'ls-remote', repo.cloneUrl);
    expect(remoteRefs).toContain(`${feature}\trefs/pull/3/head`);
    expect(server.requests.some((r) => r.path.startsWith('/acme/tools.git/info/refs'))).toBe(true);
  });

  it('accepts pushes over HTTP', async () => {
    const clone = path.join(work, 'clone');
    await writeFile(path.join(clone, 'pushed.txt'), 'pushed\n');
    await git(clone, 'add', 'pushed.txt');
    await git(clone, 'commit', '--quiet', '-m', 'pushed over http');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/pushed');
    expect(await repo.resolve('refs/heads/pushed')).toBe(await git(clone, 'rev-parse', 'HEAD'));
  });

  it('answers 404 for a repository that does not exist', async () => {
    const res = await fetch(`${server.url}/acme/missing.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
  });

  it('demands the token when started with one', async () => {
    const guarded = await startGitHttpServer({ requireToken: 's3cret' });
    try {
      await createTempRepo(guarded, 'acme/private');
      const url = `${guarded.url}/acme/private.git/info/refs?service=git-upload-pack`;
      expect((await fetch(url)).status).toBe(401);
      const basic = `Basic ${Buffer.from('x-access-token:s3cret').toString('base64')}`;
      expect((await fetch(url, { headers: { authorization: basic } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
