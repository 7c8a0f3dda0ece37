import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAppAuth } from '@octokit/auth-app';
import { request as octokitRequest } from '@octokit/request';
import { Octokit } from '@octokit/rest';
import { execFile } from 'node:child_process';
import { createHmac, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FakeGitHubServer, type TestApp } from './fake-github-server.js';
import { createTempRepo, type TempRepo } from './temp-repo.js';

const execFileAsync = promisify(execFile);
const SHA = 'a'.repeat(40);

/**
 * fetch over node:https trusting only `ca`: Node's own fetch takes no CA option (its undici
 * dispatcher is not importable here), and the processes under test use NODE_EXTRA_CA_CERTS instead.
 */
function fetchTrusting(ca: string): typeof fetch {
  const agent = new Agent({ ca });
  const trustingFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init.body == null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
    return new Promise<Response>((resolve, reject) => {
      const headers = Object.fromEntries(new Headers(init.headers));
      const req = httpsRequest(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const nullBody = [101, 204, 205, 304].includes(status);
          const response = new Response(nullBody ? null : new Uint8Array(Buffer.concat(chunks)), { status, headers: headersOf(res.headers) });
          Object.defineProperty(response, 'url', { value: url.href });
          resolve(response);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return trustingFetch as typeof fetch;
}

function headersOf(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) for (const one of [value ?? []].flat()) headers.append(name, one);
  return headers;
}

async function until<T>(found: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT signed with `privateKey` (RS256) unless `alg` says otherwise. */
function jwt(claims: Record<string, unknown>, privateKey: string, alg = 'RS256'): string {
  const signed = `${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}`;
  return `${signed}.${alg === 'RS256' ? sign('sha256', Buffer.from(signed), privateKey).toString('base64url') : ''}`;
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('FakeGitHubServer over plain http', () => {
  it('keeps the API at the root and takes statuses with any credentials', async () => {
    const github = await new FakeGitHubServer().start();
    try {
      expect(github.apiUrl).toBe(github.url);
      expect(github.caFile).toBeUndefined();
      const res = await fetch(`${github.url}/repos/acme/widget/statuses/${SHA}`, {
        method: 'POST',
        headers: { authorization: 'token anything' },
        body: JSON.stringify({ state: 'success', context: 'drydock', description: 'ok', target_url: 'http://x' }),
      });
      expect(res.status).toBe(201);
      expect(github.statusesFor(SHA)[0]).toMatchObject({ repo: 'acme/widget', state: 'success', authorization: 'token anything' });
    } finally {
      await github.stop();
    }
  });
});

describe('FakeGitHubServer as a GitHub App over https', () => {
  let github: FakeGitHubServer;
  let app: TestApp;
  let trustingFetch: typeof fetch;
  let octokitAsApp: Octokit;
  let work: string;

  const installationToken = async (installationId: number): Promise<string> => {
    const request = octokitRequest.defaults({ baseUrl: github.apiUrl, request: { fetch: trustingFetch } });
    const auth = createAppAuth({ appId: app.appId, privateKey: app.privateKey, request });
    return (await auth({ type: 'installation', installationId })).token;
  };
  const octokitWith = (token: string) => new Octokit({ auth: token, baseUrl: github.apiUrl, request: { fetch: trustingFetch }, log: quiet });

  beforeAll(async () => {
    app = FakeGitHubServer.testApp();
    github = await new FakeGitHubServer().start({ https: true });
    github.useApp(app).install('acme/private', 11).install('other/thing', 22);
    trustingFetch = fetchTrusting(await readFile(github.caFile!, 'utf8'));
    octokitAsApp = new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: app.appId, privateKey: app.privateKey },
      baseUrl: github.apiUrl,
      request: { fetch: trustingFetch },
      log: quiet,
    });
    work = await mkdtemp(path.join(tmpdir(), 'drydock-fake-github-spec-'));
  });

  afterAll(async () => {
    await github.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('serves the API under /api/v3 and gives an installation token to the App', async () => {
    expect(github.apiUrl).toBe(`${github.url}/api/v3`);
    expect(github.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const token = await installationToken(11);

    expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(github.tokenRequests.at(-1)).toMatchObject({ installationId: 11, token, iss: '4242' });
    const { data } = await octokitAsApp.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'private' });
    expect(data).toMatchObject({ id: 11, account: { login: 'acme' }, app_id: 4242 });
    await expect(octokitAsApp.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'unknown' })).rejects.toMatchObject({ status: 404 });
    await expect(installationToken(99)).rejects.toMatchObject({ status: 404 });
  });

  it('takes a JWT naming the App by number, and refuses one signed with another key, unsigned or living too long', async () => {
    const forger = createAppAuth({
      appId: app.appId,
      privateKey: FakeGitHubServer.testApp().privateKey,
      request: octokitRequest.defaults({ baseUrl: github.apiUrl, request: { fetch: trustingFetch } }),
    });
    await expect(forger({ type: 'installation', installationId: 11 })).rejects.toMatchObject({ status: 401 });
    expect(github.jwtRefusals).toContain('signature does not verify');

    const now = Math.floor(Date.now() / 1000);
    const askToken = (token: string) =>
      trustingFetch(`${github.apiUrl}/app/installations/11/access_tokens`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await askToken(jwt({ iss: 4242, iat: now - 30, exp: now + 540 }, app.privateKey))).status).toBe(201);
    expect(github.tokenRequests.at(-1)?.iss).toBe(4242);

    expect((await askToken(jwt({ iss: 4242, iat: now, exp: now + 540 }, app.privateKey, 'none'))).status).toBe(401);
    expect(github.jwtRefusals.at(-1)).toBe('alg none');
    const tooLong = await askToken(jwt({ iss: 4242, iat: now, exp: now + 3600 }, app.privateKey));
    expect(tooLong.status).toBe(401);
    expect(await tooLong.json()).toMatchObject({ message: "'Expiration time' claim ('exp') is too far in the future" });
  });

  it('creates and updates check runs with an installation token, within its installation only', async () => {
    const octokit = octokitWith(await installationToken(11));
    const { data: created, status } = await octokit.rest.checks.create({
      owner: 'acme',
      repo: 'private',
      name: 'drydock',
      head_sha: SHA,
      external_id: '7',
      status: 'in_progress',
      started_at: new Date().toISOString(),
      details_url: 'http://drydock.test/builds/7',
      output: { title: 'Building', summary: 'step 1' },
    });
    expect(status).toBe(201);
    expect(created).toMatchObject({ name: 'drydock', head_sha: SHA, status: 'in_progress', conclusion: null, output: { title: 'Building' } });

    const done = { status: 'completed', conclusion: 'success', output: { title: 'Built', summary: 'done' } } as const;
    await octokit.rest.checks.update({ owner: 'acme', repo: 'private', check_run_id: created.id, ...done });

    const run = await github.waitForCheckRun(SHA, 'drydock', 'completed');
    expect(run).toMatchObject({ id: created.id, repo: 'acme/private', external_id: '7', details_url: 'http://drydock.test/builds/7', ...done });
    expect(run.history).toEqual([
      { status: 'in_progress', conclusion: null },
      { status: 'completed', conclusion: 'success' },
    ]);
    expect(run.authorization).toMatch(/^token ghs_/);
    const withoutConclusion = octokit.rest.checks.create({ owner: 'acme', repo: 'private', name: 'drydock', head_sha: SHA, status: 'completed' });
    await expect(withoutConclusion).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.checks.update({ owner: 'acme', repo: 'private', check_run_id: 999, status: 'queued' })).rejects.toMatchObject({ status: 404 });

    const outsider = octokitWith(await installationToken(22));
    await expect(outsider.rest.checks.update({ owner: 'acme', repo: 'private', check_run_id: created.id, conclusion: 'failure' })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    await expect(octokitWith('ghs_unknown').rest.checks.create({ owner: 'acme', repo: 'private', name: 'x', head_sha: SHA })).rejects.toMatchObject({ status: 401 });
    const hiddenStatus = outsider.rest.repos.createCommitStatus({ owner: 'acme', repo: 'private', sha: SHA, state: 'success', context: 'drydock' });
    await expect(hiddenStatus).rejects.toMatchObject({ status: 404 });
    expect(github.calls.at(-1)).toMatchObject({ answer: 404 });
  });

  it('lists webhook deliveries newest first, page by page through the Link header', async () => {
    const ids = [1, 2, 3, 4, 5].map((n) =>
      github.recordDelivery({ event: 'push', payload: { ref: `refs/heads/b${n}`, installation: { id: 11 }, repository: { id: 500 } }, statusCode: 502 }),
    );

    const listed = await octokitAsApp.paginate(octokitAsApp.rest.apps.listWebhookDeliveries, { per_page: 2 });

    expect(listed.map((d) => d.id).slice(0, 5)).toEqual([...ids].reverse());
    expect(listed[0]).toMatchObject({ event: 'push', status_code: 502, redelivery: false, installation_id: 11, repository_id: 500, action: null });
    expect(listed[0].delivered_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const firstPage = await octokitAsApp.request('GET /app/hook/deliveries', { per_page: 2 });
    expect(firstPage.headers.link).toBe(`<${github.apiUrl}/app/hook/deliveries?per_page=2&cursor=v1_${ids[3]}>; rel="next"`);
  });

  it('redelivers a delivery to the webhook URL, signed, and records the new attempt', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      github.deliverWebhooksTo(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`, 'hook-secret');
      const id = github.recordDelivery({ event: 'pull_request', payload: { action: 'opened', number: 3 }, guid: 'guid-1', statusCode: 0 });

      const { status } = await octokitAsApp.rest.apps.redeliverWebhookDelivery({ delivery_id: id });

      expect(status).toBe(202);
      expect(github.redeliveryRequests).toContain(id);
      const attempt = await until(() => github.deliveries.find((d) => d.guid === 'guid-1' && d.redelivery));
      expect(attempt).toMatchObject({ status_code: 202, event: 'pull_request', action: 'opened' });
      const [{ headers, body }] = received;
      expect(JSON.parse(body)).toEqual({ action: 'opened', number: 3 });
      expect(headers).toMatchObject({ 'x-github-event': 'pull_request', 'x-github-delivery': 'guid-1', 'content-type': 'application/json' });
      expect(headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 'hook-secret').update(body).digest('hex')}`);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  describe('git on the same host', () => {
    let repo: TempRepo;
    const clone = (dir: string, ...config: string[]) =>
      execFileAsync('git', [...config, 'clone', '--quiet', repo.cloneUrl, path.join(work, dir)], {
        env: { ...process.env, GIT_SSL_CAINFO: github.caFile, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' },
      });
    const basic = (token: string) => `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

    beforeAll(async () => {
      repo = await createTempRepo({ url: github.url, root: await github.serveGit() }, 'acme/private', { files: { 'README.md': 'secret\n' } });
    });

    afterAll(() => repo.dispose());

    it('clones a private repository with a token of its installation', async () => {
      await clone('with-token', '-c', basic(await installationToken(11)));

      expect(await readFile(path.join(work, 'with-token', 'README.md'), 'utf8')).toBe('secret\n');
      const { stdout } = await execFileAsync('git', ['-C', path.join(work, 'with-token'), 'rev-parse', 'HEAD']);
      expect(stdout.trim()).toBe(repo.sha);
      expect(github.gitRequests.at(-1)).toMatchObject({ repo: 'acme/private', installationId: 11, answer: 200 });
    });

    it('refuses a clone without a token, or with a token of another installation', async () => {
      await expect(clone('without-token')).rejects.toThrow();
      expect(github.gitRequests.at(-1)).toMatchObject({ repo: 'acme/private', installationId: undefined, answer: 401 });

      await expect(clone('other-installation', '-c', basic(await installationToken(22)))).rejects.toThrow();
      expect(github.gitRequests.at(-1)).toMatchObject({ repo: 'acme/private', installationId: 22, answer: 401 });
    });
  });
});
