import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { aBuild, aBuildLifecycle } from './testing/build-fixture.js';
import { CompiledCli } from './testing/compiled-cli.js';
import { FakeDrydockServer, type SseWriter } from './testing/fake-drydock-server.js';

let cli: CompiledCli;
let server: FakeDrydockServer;

beforeAll(async () => {
  cli = await CompiledCli.build();
}, 180_000);
afterAll(() => cli.remove());
beforeEach(async () => {
  await server?.close();
  server = await FakeDrydockServer.start();
  server.addBuild(aBuild({ id: 42 }));
});
afterAll(() => server.close());

describe('drydock logs', () => {
  it('prints the log as raw text', async () => {
    server.setLog(42, '#1 [build] FROM busybox\nno newline at the end');
    const r = await cli.run(['logs', '42'], { DRYDOCK_URL: server.url });
    expect(r).toMatchObject({ code: 0, stdout: '#1 [build] FROM busybox\nno newline at the end' });
  });

  it('-f prints lines as they stream and stops at the end event, even if the server keeps the stream open', async () => {
    let sse!: SseWriter;
    const connected = new Promise<void>((resolve) =>
      server.setLog(42, '', (writer) => {
        sse = writer;
        resolve();
      }),
    );
    const follow = cli.start(['logs', '42', '-f'], { DRYDOCK_URL: server.url });
    await connected;
    sse.data('step 1: clone');
    await follow.stdoutContains('step 1: clone\n'); // arrived while the build is still "running"
    sse.data('');
    sse.data('step 2: build');
    sse.event('end', 'success');
    const r = await follow.done;
    expect(r).toMatchObject({ code: 0, stdout: 'step 1: clone\n\nstep 2: build\n', stderr: '' });
    expect(server.requests.at(-1)?.accept).toBe('text/event-stream');
  }, 15_000);

  it('-f ends cleanly when the server closes the stream', async () => {
    server.setLog(42, '', (sse) => {
      sse.data('only line');
      sse.close();
    });
    const r = await cli.run(['logs', '42', '--follow'], { DRYDOCK_URL: server.url });
    expect(r).toMatchObject({ code: 0, stdout: 'only line\n' });
  });
});

describe('logs --exit-status', () => {
  it('-f --exit-status exits 0 when the build it followed succeeded, 1 with its error when it failed', async () => {
    server.addBuild(aBuild({ id: 43, status: 'running', finishedAt: null }), aBuild({ id: 43, status: 'failure', error: 'test failed: exit 3' }));
    for (const id of [42, 43]) server.setLog(id, '', (sse) => (sse.data(`log of ${id}`), sse.event('end', 'done')));
    const ok = await cli.run(['logs', '42', '-f', '--exit-status'], { DRYDOCK_URL: server.url });
    expect(ok).toMatchObject({ code: 0, stdout: 'log of 42\n', stderr: '' });
    const failed = await cli.run(['logs', '43', '-f', '--exit-status'], { DRYDOCK_URL: server.url });
    expect(failed).toMatchObject({ code: 1, stdout: 'log of 43\n', stderr: '#43 failure: test failed: exit 3\n' });
  }, 20_000);

  it('without -f exits by the status the build has now', async () => {
    server.addBuild(aBuild({ id: 44, status: 'cancelled' }));
    server.setLog(44, 'partial log\n');
    const r = await cli.run(['logs', '44', '--exit-status'], { DRYDOCK_URL: server.url });
    expect(r).toMatchObject({ code: 1, stdout: 'partial log\n', stderr: '#44 cancelled\n' });
    expect((await cli.run(['logs', '42', '--exit-status'], { DRYDOCK_URL: server.url })).code).toBe(0);
  });
});

describe('drydock watch', () => {
  it("follows an existing build's steps to its end and exits 0 when it succeeds", async () => {
    server.addBuild(...aBuildLifecycle(70, { status: 'success', title: 'Add watch', author: { name: 'Ada', login: 'ada', avatarUrl: null } }));
    const r = await cli.run(['watch', '70'], { DRYDOCK_URL: server.url });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')).toEqual([
      '#70 queued · acme/app main 0123456',
      '#70 running · acme/app main 0123456',
      '  clone running',
      '  build running',
      '#70 success · acme/app main 0123456 · Add watch (ada)',
      '  clone success in 2s',
      '  build localhost:5000/acme/app success in 1m 03s',
      '#70 success in 3s',
      '  localhost:5000/acme/app:sha-0123456',
      '  localhost:5000/acme/app:main',
      '  localhost:5000/acme/app:latest',
      '',
    ]);
    expect(server.requests.filter((q) => q.url === '/api/builds/70')).toHaveLength(4);
  }, 20_000);

  it('exits 1 when the build fails or is cancelled, with its error', async () => {
    server.addBuild(...aBuildLifecycle(71, { status: 'failure', error: 'test failed: exit 3' }));
    const failed = await cli.run(['watch', '71', '--interval', '1'], { DRYDOCK_URL: server.url });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\n#71 failure in 3s: test failed: exit 3\n$/);
    server.addBuild(aBuild({ id: 72, status: 'cancelled', error: 'cancelled by api' }));
    const cancelled = await cli.run(['watch', '72', '--json'], { DRYDOCK_URL: server.url });
    expect(cancelled.code).toBe(1);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: 72, status: 'cancelled' });
    expect(cancelled.stderr).toMatch(/^#72 cancelled · acme\/app main 0123456\n/);
  }, 20_000);

  it('says which build was not found', async () => {
    expect(await cli.run(['watch', '99'], { DRYDOCK_URL: server.url })).toMatchObject({ code: 1, stderr: 'drydock: build 99 not found\n' });
  });
});

describe('--wait', () => {
  it('trigger --wait follows the build with plain progress lines and exits 0 on success', async () => {
    server.planNextBuild(...aBuildLifecycle(7, { status: 'success' }));
    const r = await cli.run(['trigger', 'acme/app', '--ref', 'main', '--wait'], { DRYDOCK_URL: server.url });
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/api/builds', body: { repo: 'acme/app', ref: 'main' } });
    const progress = r.stderr.trimEnd().split('\n').map((line) => line.replace(/ · \d\d:\d\d$/, ''));
    expect(progress).toEqual(['#7 queued: acme/app main 0123456', '#7 queued', '#7 running · clone', '#7 running · build']);
    expect(r.stdout).toBe(
      '#7 success in 3s\n  localhost:5000/acme/app:sha-0123456\n  localhost:5000/acme/app:main\n  localhost:5000/acme/app:latest\n',
    );
    expect(r.code).toBe(0);
  }, 20_000);

  it('rebuild --wait exits 1 when the build fails, with its error and no tags', async () => {
    server.planNextBuild(...aBuildLifecycle(8, { status: 'failure', error: 'test failed: exit 3' }));
    const r = await cli.run(['rebuild', '42', '--wait'], { DRYDOCK_URL: server.url });
    expect(r.stdout).toBe('#8 failure in 3s: test failed: exit 3\n');
    expect(r.code).toBe(1);
  }, 20_000);

  it('retry --wait follows the new build to its end and exits 0 when it succeeds', async () => {
    server.planNextBuild(...aBuildLifecycle(10, { event: 'rebuild', rebuildOf: 42, retryOf: 42 }));
    const r = await cli.run(['retry', '42', '--wait'], { DRYDOCK_URL: server.url });
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/api/builds/42/retry' });
    expect(r.stderr.split('\n')[0]).toBe('#10 queued: acme/app main 0123456');
    expect(r.stdout).toMatch(/^#10 success in 3s\n/);
    expect(r.code).toBe(0);
  }, 20_000);

  it('retry --wait --json prints the final build', async () => {
    server.planNextBuild(aBuild({ id: 9, status: 'running' }), aBuild({ id: 9, status: 'cancelled' }));
    const r = await cli.run(['retry', '42', '--wait', '--json'], { DRYDOCK_URL: server.url });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(aBuild({ id: 9, status: 'cancelled' }));
  }, 20_000);
});

describe('drydock cancel', () => {
  it('asks the server to cancel the build', async () => {
    const r = await cli.run(['cancel', '42'], { DRYDOCK_URL: server.url });
    expect(r).toMatchObject({ code: 0, stdout: '#42 cancelled\n' });
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/builds/42/cancel' });
  });
});

describe('drydock approve and decline', () => {
  it('approves a blocked build and declines one; a build that is not blocked is refused with the server\'s reason', async () => {
    server.addBuild(aBuild({ id: 60, status: 'blocked' }));
    const approved = await cli.run(['approve', '60'], { DRYDOCK_URL: server.url });
    expect(approved).toMatchObject({ code: 0, stdout: '#60 approved: queued\n' });
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/builds/60/approve' });
    const declined = await cli.run(['decline', '60', '--json'], { DRYDOCK_URL: server.url });
    expect(declined.code).toBe(0);
    expect(JSON.parse(declined.stdout)).toMatchObject({ id: 60, status: 'cancelled', error: 'declined' });
    const refused = await cli.run(['approve', '42'], { DRYDOCK_URL: server.url });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/build 42 is success: only a blocked build can be approved/);
  });
});
