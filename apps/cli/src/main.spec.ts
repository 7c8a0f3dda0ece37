import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aBuild } from './testing/build-fixture.js';
import { CompiledCli, type CliResult } from './testing/compiled-cli.js';
import { FakeDrydockServer } from './testing/fake-drydock-server.js';

let cli: CompiledCli;
let server: FakeDrydockServer;
const emptyDataDir = mkdtempSync(join(tmpdir(), 'drydock-cli-data-'));
/** An empty data dir by default, so no api-token file of this machine's server is read. */
const drydock = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  cli.run(args, { DRYDOCK_URL: server.url, DRYDOCK_DATA_DIR: emptyDataDir, ...env });

const noStackTrace = (r: CliResult): void => expect(r.stderr).not.toMatch(/^\s+at /m);

beforeAll(async () => {
  cli = await CompiledCli.build();
}, 180_000);
afterAll(() => cli.remove());
afterAll(() => rmSync(emptyDataDir, { recursive: true, force: true }));

beforeEach(async () => {
  await server?.close();
  server = await FakeDrydockServer.start();
  server.addBuild(aBuild({ id: 41, status: 'failure', ref: 'refs/heads/feature/x', error: 'test failed: exit 3' }));
  server.addBuild(aBuild({ id: 42 }));
});
afterAll(() => server.close());

describe('drydock builds', () => {
  it('prints an aligned table, newest first, and passes the filters as query parameters', async () => {
    const r = await drydock(['builds', '--repo', 'acme/app', '--status', 'success', '--branch', 'main', '--limit', '5']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+REPO\s+REF\s+SHA\s+AGE\s+DURATION$/);
    expect(lines[1]).toMatch(/^42\s+success\s+acme\/app\s+main\s+0123456\s+\d+d ago\s+1m 05s$/);
    expect(lines[2]).toMatch(/^41\s+failure\s+acme\/app\s+feature\/x\s+0123456\s/);
    expect(lines[1]!.indexOf('acme/app')).toBe(lines[0]!.indexOf('REPO'));
    expect(lines[2]!.indexOf('0123456')).toBe(lines[0]!.indexOf('SHA'));
    const url = new URL(server.requests.at(-1)!.url, server.url);
    expect(url.pathname).toBe('/api/builds');
    expect(Object.fromEntries(url.searchParams)).toEqual({ repo: 'acme/app', status: 'success', branch: 'main', limit: '5' });
  });

  it("shows each build's author and commit title, and nothing for a build from a server that does not send them", async () => {
    server.addBuild(aBuild({ id: 43, title: 'Fix the \x1b[31mcache\x1b[0m key', author: { name: 'Ada Lovelace', login: 'ada', avatarUrl: null } }));
    server.addBuild(aBuild({ id: 44, title: 'Bump deps', author: { name: 'Grace Hopper', login: null, avatarUrl: null } }));
    const r = await drydock(['builds']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+REPO\s+REF\s+SHA\s+AGE\s+DURATION\s+AUTHOR\s+TITLE$/);
    expect(lines[1]).toMatch(/^44\s+success\s.*\s1m 05s\s+Grace Hopper\s+Bump deps$/);
    expect(lines[2]).toMatch(/^43\s+success\s.*\s1m 05s\s+ada\s+Fix the \?\[31mcache\?\[0m key$/); // the escape sequences are not sent to the terminal
    expect(lines[3]).toMatch(/^42\s+success\s.*\s1m 05s$/);
    expect(lines[2]!.indexOf('ada')).toBe(lines[0]!.indexOf('AUTHOR'));
    expect(lines[1]!.indexOf('Bump')).toBe(lines[0]!.indexOf('TITLE'));
    expect(r.stdout).not.toContain('\x1b');
  });

  it('prints the API answer with --json', async () => {
    const r = await drydock(['builds', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ items: [aBuild({ id: 42 }), expect.objectContaining({ id: 41 })], nextCursor: null });
  });
});

describe('drydock show', () => {
  it('prints steps with durations, images with tags and digest, and the error', async () => {
    const r = await drydock(['show', '41']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Build #41 · failure\n/);
    expect(r.stdout).toMatch(/^ {2}sha\s+0123456789abcdef0123456789abcdef01234567$/m);
    expect(r.stdout).toMatch(/^ {2}clone\s+success\s+2s$/m);
    expect(r.stdout).toMatch(/^ {2}build\s+success\s+1m 03s\s+localhost:5000\/acme\/app$/m);
    expect(r.stdout).toMatch(/^ {4}tags\s+sha-0123456, main, latest$/m);
    expect(r.stdout).toMatch(/^ {4}digest\s+sha256:feedbeef$/m);
    expect(r.stdout).toMatch(/\nError\n {2}test failed: exit 3\n$/);
  });

  it('says which build a retry resumes', async () => {
    server.addBuild(aBuild({ id: 43, event: 'rebuild', rebuildOf: 41, retryOf: 41 }));
    const r = await drydock(['show', '43']);
    expect(r.stdout).toMatch(/^ {2}retry of\s+#41 \(from its failed step\)$/m);
    expect(r.stdout).not.toContain('rebuild of');
  });

  it('prints the build as JSON with --json', async () => {
    const r = await drydock(['show', '42', '--json']);
    expect(JSON.parse(r.stdout)).toEqual(aBuild({ id: 42 }));
  });

  it('says which build was not found and exits 1', async () => {
    const r = await drydock(['show', '123']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'drydock: build 123 not found\n' });
  });

  it('rejects an id that is not a number before calling the server', async () => {
    const r = await drydock(['show', 'abc']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/^drydock: .*'abc'.*positive whole number/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('errors', () => {
  it('tells the user to set DRYDOCK_API_TOKEN on 401, and sends the token as a Bearer header', async () => {
    server.token = 's3cret';
    server.planNextBuild(aBuild({ id: 50, status: 'queued' }));
    const missing = await drydock(['rebuild', '42']);
    expect(missing).toMatchObject({ code: 4, stdout: '' });
    expect(missing.stderr).toMatch(/^drydock: .*401.*set DRYDOCK_API_TOKEN\n$/);
    const wrong = await drydock(['rebuild', '42'], { DRYDOCK_API_TOKEN: 'nope' });
    expect(wrong.stderr).toMatch(/^drydock: the server rejected DRYDOCK_API_TOKEN/);
    const right = await drydock(['rebuild', '42'], { DRYDOCK_API_TOKEN: 's3cret' });
    expect(right).toMatchObject({ code: 0, stdout: '#50 queued: acme/app main 0123456\n' });
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/builds/42/rebuild', authorization: 'Bearer s3cret' });
  });

  it('takes --token first, then DRYDOCK_API_TOKEN, then the api-token file in DRYDOCK_DATA_DIR', async () => {
    server.token = 'from-the-file';
    const dataDir = mkdtempSync(join(tmpdir(), 'drydock-cli-token-'));
    try {
      writeFileSync(join(dataDir, 'api-token'), 'from-the-file\n', { mode: 0o600 });
      server.planNextBuild(aBuild({ id: 51, status: 'queued' }));
      expect(await drydock(['rebuild', '42'], { DRYDOCK_DATA_DIR: dataDir })).toMatchObject({ code: 0 });
      expect(server.requests.at(-1)).toMatchObject({ authorization: 'Bearer from-the-file' });
      const envWins = await drydock(['rebuild', '42'], { DRYDOCK_DATA_DIR: dataDir, DRYDOCK_API_TOKEN: 'from-env' });
      expect(envWins.stderr).toMatch(/^drydock: the server rejected DRYDOCK_API_TOKEN/);
      const flagWins = await drydock(['rebuild', '42', '--token', 'from-flag'], { DRYDOCK_DATA_DIR: dataDir, DRYDOCK_API_TOKEN: 'from-the-file' });
      expect(flagWins.stderr).toMatch(/^drydock: the server rejected --token/);
      writeFileSync(join(dataDir, 'api-token'), 'stale\n');
      const stale = await drydock(['rebuild', '42'], { DRYDOCK_DATA_DIR: dataDir });
      expect(stale.stderr).toContain(`the server rejected the API token in ${join(dataDir, 'api-token')}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 4, the authentication failure code, on a 401 of a read and on a 403, saying which token was refused', async () => {
    server.token = 's3cret';
    server.readsNeedToken = true;
    const noToken = await drydock(['show', '42']);
    expect(noToken).toMatchObject({ code: 4, stdout: '' });
    expect(noToken.stderr).toMatch(/^drydock: the server requires an API token \(401 Unauthorized\).*--token or set DRYDOCK_API_TOKEN\n$/);
    const wrong = await drydock(['watch', '42', '--token', 'nope']);
    expect(wrong).toMatchObject({ code: 4, stderr: "drydock: the server rejected --token (401 Unauthorized); check that it matches the server's token\n" });
    server.forbiddenRoutes.add('GET /api/builds/:id');
    const forbidden = await drydock(['show', '42'], { DRYDOCK_API_TOKEN: 's3cret' });
    expect(forbidden).toMatchObject({ code: 4, stderr: 'drydock: the server refused GET /api/builds/42 with DRYDOCK_API_TOKEN (403 Forbidden): Forbidden resource\n' });
    expect(await drydock(['builds'], { DRYDOCK_API_TOKEN: 's3cret' })).toMatchObject({ code: 0 }); // the right token still reads what it may
  });

  it("shows the server's 400 message", async () => {
    const r = await drydock(['trigger', '']);
    expect(r).toMatchObject({ code: 1, stderr: 'drydock: repo must be a non-empty string\n' });
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/builds', body: { repo: '' } });
  });

  it('says a server without retry does not support it', async () => {
    server.missingRoutes.add('POST /api/builds/:id/retry');
    const r = await drydock(['retry', '41']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('drydock: this Drydock server does not support POST /api/builds/41/retry (404: Cannot POST /api/builds/41/retry)\n');
  });

  it('exits 2 with one line when nothing listens at DRYDOCK_URL', async () => {
    const port = await closedPort();
    const r = await cli.run(['builds'], { DRYDOCK_URL: `http://127.0.0.1:${port}` });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `drydock: cannot reach Drydock at http://127.0.0.1:${port}: connection refused\n` });
    noStackTrace(r);
  });

  it('documents the exit codes in --help', async () => {
    const r = await drydock(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0\s.*\n\s+1\s.*\n\s+2\s+Drydock could not be reached\n\s+3\s+lint: .*\n\s+4\s+the server refused the API token/);
    expect(r.stdout).toContain('DRYDOCK_API_TOKEN');
  });
});

describe('--version and --server', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(await drydock(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('--server wins over DRYDOCK_URL', async () => {
    const r = await drydock(['--server', server.url, 'show', '42', '--json'], { DRYDOCK_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 42 });
  });
});

describe('drydock open', () => {
  it("prints the build's page on the server given, without asking the server", async () => {
    const r = await drydock(['--server', 'https://ci.example.com/', 'open', '42']);
    expect(r).toMatchObject({ code: 0, stdout: 'https://ci.example.com/builds/42\n' });
    expect(server.requests).toHaveLength(0);
  });

  it('--browser runs xdg-open with the URL as its one argument', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'drydock-cli-bin-'));
    try {
      const opener = join(bin, 'xdg-open');
      writeFileSync(opener, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${join(bin, 'args')}"\n`, { mode: 0o755 });
      const r = await drydock(['open', '42', '--browser'], { PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: `Opening ${server.url}/builds/42 in your browser\n` });
      expect(readFileSync(join(bin, 'args'), 'utf8')).toBe(`${server.url}/builds/42\n`);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('--browser prints the URL when no browser can be opened', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'drydock-cli-bin-'));
    try {
      writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
      const r = await drydock(['open', '42', '--browser'], { PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect(r).toMatchObject({ code: 0, stdout: `${server.url}/builds/42\n` });
      expect(r.stderr).toMatch(/could not open a browser \(xdg-open exited with 3\)/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('colours', () => {
  it('writes no escape codes when output is piped, nor with NO_COLOR set (even empty)', async () => {
    server.addBuild(aBuild({ id: 43, status: 'running', finishedAt: null }));
    for (const env of [{}, { NO_COLOR: '' }, { NO_COLOR: '1' }] as Record<string, string>[]) {
      for (const args of [['builds'], ['show', '41'], ['watch', '42']]) {
        const r = await drydock(args, env);
        expect(r.stdout).toMatch(/success|failure/);
        expect(r.stdout + r.stderr).not.toContain('\x1b');
      }
    }
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
