import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  deleteRedisKeys,
  drydockEnv,
  freePort,
  hasExited,
  signedDelivery,
  spawnDrydock,
  stopChild,
  testServices,
  waitForBuild,
  type DrydockRole,
} from '@drydock/testing';
import type { Build } from '@drydock/core';

/**
 * The fault tier's harness: Drydock's compiled processes (`npm run build` first) as a
 * cluster of API and worker processes sharing one database and Redis key prefix, the
 * services they lean on made to fail (a Redis of the tier's own that can be stopped, a TCP
 * proxy in front of PostgreSQL that can refuse), and signals sent to any one process.
 *
 * Fault tests run in band (`npm run test:fault`, and within `npm test`) with the global setup
 * of e2e, and never stop a shared test service: what they break is theirs (another run may
 * share the test services meanwhile). Every `start…` has a matching `stop` or `close`: call
 * them in `finally` / `afterAll` so a failed test leaves nothing running.
 *
 * A typical test:
 *   const redis = await FaultRedis.start();
 *   const cluster = DrydockCluster.create({ redisUrl: redis.url, githubApiUrl: github.url });
 *   const processes = [await cluster.startApi(), cluster.startWorker(), cluster.startWorker()];
 *   await Promise.all(processes.map((p) => p.serving()));
 *   const res = await cluster.deliver('push', pushPayload({ … }));       // 202 { builds: [{ id }] }
 *   cluster.workers[0].signal('SIGKILL');  await redis.stop();  await redis.start();
 *   expect((await cluster.awaitFinal(id)).status).toBe('success');
 *   …finally: await cluster.stop(); await redis.close();
 */

// ---------------------------------------------------------------------------------------
// Redis of the fault tier's own

/**
 * A `redis-server` on a free port with no persistence (`--save ''`, no AOF), started and
 * stopped by the test: `stop()` loses every key, as a Redis restart without persistence does.
 * It is the tier's own, so stopping it never disturbs another suite.
 */
export class FaultRedis {
  private child?: ChildProcess;
  private log = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts a new Redis on a free port and resolves once it answers PING. */
  static async start(): Promise<FaultRedis> {
    const redis = new FaultRedis(await freePort(), mkdtempSync(path.join(testServices().dataDir, 'fault-redis-')));
    await redis.start();
    return redis;
  }

  /** `redis://127.0.0.1:<port>` (no password). */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && !hasExited(this.child);
  }

  /** Starts the server again on the same port, empty; resolves once it answers PING. A no-op while it runs. */
  async start(): Promise<void> {
    if (this.running) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (hasExited(child) || Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start:\n${this.log}`);
      await sleep(50);
    }
  }

  /** Stops the server (SIGTERM, or `SIGKILL` for a crash) and resolves once it has exited; its keys are gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** SIGSTOP: the server keeps its connections open but answers nothing until `thaw()`. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after `freeze()`. */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops it for good (thawed first, if frozen). */
  async close(): Promise<void> {
    this.thaw();
    await this.stop('SIGKILL');
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
  }
}

// ---------------------------------------------------------------------------------------
// A service seen through a proxy that can refuse

/**
 * A TCP proxy on a free local port in front of `target` (the test PostgreSQL): `cut()` makes
 * the service look down to whoever connects through it (open connections reset, new ones
 * refused: ECONNREFUSED), `restore()` brings it back on the same port. The service itself,
 * shared with other suites, is never touched.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens at once unless `{ cut: true }` (the service down from the start). */
  static async start(target: { host: string; port: number }, options: { cut?: boolean } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    if (!options.cut) await proxy.restore();
    return proxy;
  }

  /** Starts forwarding (again). */
  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Closes the port (new connections refused) and resets every open connection. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.cut();
  }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL databases

/**
 * A new, empty database on the test PostgreSQL server; `url` reaches it directly,
 * `urlThrough(proxy)` through a `TcpProxy` in front of the server. `drop()` removes it
 * (connections still open are ended).
 */
export async function freshPostgresDatabase(label = 'fault'): Promise<{ name: string; url: string; urlThrough(proxy: TcpProxy): string; drop(): Promise<void> }> {
  const serverUrl = testServices().postgresUrl;
  const name = `drydock_${label}_${randomBytes(5).toString('hex')}`;
  await withPostgresAdmin(serverUrl, (admin) => admin.query(`create database ${name}`));
  const at = (host: string, port: number) => {
    const url = new URL(serverUrl);
    Object.assign(url, { hostname: host, port: String(port), pathname: `/${name}` });
    return url.toString();
  };
  const server = new URL(serverUrl);
  return {
    name,
    url: at(server.hostname, Number(server.port || 5432)),
    urlThrough: (proxy) => at('127.0.0.1', proxy.port),
    drop: () => withPostgresAdmin(serverUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`)),
  };
}

/** The test PostgreSQL server's host and port, for a `TcpProxy` in front of it. */
export function postgresServer(): { host: string; port: number } {
  const url = new URL(testServices().postgresUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

async function withPostgresAdmin(serverUrl: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------
// Drydock processes

/** One Drydock process of a cluster. */
export class DrydockProcess {
  private text = '';
  readonly child: ChildProcess;

  constructor(
    readonly role: DrydockRole,
    /** `http://127.0.0.1:<port>` for an api or combined process. */
    readonly url: string | undefined,
    env: Record<string, string>,
  ) {
    this.child = spawnDrydock(role, env, (text) => (this.text += text));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether it has exited (or died of a signal). */
  get exited(): boolean {
    return hasExited(this.child);
  }

  /** Everything it printed so far. */
  output(): string {
    return this.text;
  }

  /** Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, SIGTERM…) to the process. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /**
   * Resolves once it serves: an api (or combined) process answers `/healthz` 200, a worker
   * (or combined) has logged that it runs builds. Rejects, with its output, if it exits
   * first or `timeoutMs` passes.
   */
  async serving(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const worker = this.role !== 'api';
    for (;;) {
      if (this.exited) throw new Error(`${this.describe()} exited before it served:\n${this.text}`);
      const logged = !worker || WORKER_READY.test(this.text);
      const healthy = this.url === undefined || (await fetch(`${this.url}/healthz`).then((r) => r.ok, () => false));
      if (logged && healthy) return;
      if (Date.now() > deadline) throw new Error(`${this.describe()} did not serve in ${timeoutMs} ms:\n${this.text}`);
      await sleep(100);
    }
  }

  /** Resolves with the first match of `pattern` in its output (waiting up to `timeoutMs`). */
  async waitForLog(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.text.match(pattern);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`${this.describe()} did not log ${pattern} in ${timeoutMs} ms:\n${this.text}`);
      await sleep(100);
    }
  }

  /** Resolves with how it ended, once it has (waiting up to `timeoutMs`). */
  async waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exited) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      const timedOut = sleep(timeoutMs).then(() => {
        throw new Error(`${this.describe()} still runs after ${timeoutMs} ms`);
      });
      await Promise.race([exited, timedOut]);
    }
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** SIGTERM, then SIGKILL after `graceMs` (thawed first, in case it was stopped); resolves once it is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.exited) this.child.kill('SIGCONT');
    await stopChild(this.child, graceMs);
  }

  describe(): string {
    return `${this.role} process ${this.pid}${this.url ? ` (${this.url})` : ''}`;
  }
}

/** What a worker logs once it takes jobs (apps/worker/src/main.ts). */
const WORKER_READY = /worker running \d+ build\(s\) at once/;

export interface ClusterOptions {
  /** REDIS_URL of every process: a `FaultRedis`'s, or the shared test Redis's by default. */
  redisUrl?: string;
  /** DATABASE_URL of every process; default a new SQLite file in the cluster's data dir. */
  databaseUrl?: string;
  /** GITHUB_API_URL (a FakeGitHubServer); default an address that refuses. */
  githubApiUrl?: string;
  webhookSecret?: string;
  /** Anything else (DRYDOCK_CONCURRENCY…), for every process. */
  env?: Record<string, string>;
}

/**
 * API and worker processes that share one database, Redis key prefix, data dir and API
 * token, as when Drydock is scaled out. Nothing runs until `startApi` / `startWorker`;
 * they return at once (the process starting), so several can start together; await
 * `serving()` on each. `stop()` stops them all and deletes the prefix's Redis keys.
 */
export class DrydockCluster {
  readonly processes: DrydockProcess[] = [];
  readonly env: Record<string, string>;
  readonly webhookSecret: string;

  private constructor(env: Record<string, string>, webhookSecret: string) {
    this.env = env;
    this.webhookSecret = webhookSecret;
  }

  static create(options: ClusterOptions = {}): DrydockCluster {
    const dataDir = mkdtempSync(path.join(testServices().dataDir, 'fault-'));
    const webhookSecret = options.webhookSecret ?? `fault-secret-${randomBytes(6).toString('hex')}`;
    const env = drydockEnv({
      port: 0,
      dataDir,
      githubApiUrl: options.githubApiUrl ?? 'http://127.0.0.1:9',
      webhookSecret,
      env: {
        DRYDOCK_SHUTDOWN_GRACE: '5',
        ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
        ...options.env,
      },
    });
    return new DrydockCluster(env, webhookSecret);
  }

  /** Starts an API process on a port of its own (api: HTTP only; combined: with a worker inside). */
  async startApi(role: 'api' | 'combined' = 'api'): Promise<DrydockProcess> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = new DrydockProcess(role, url, { ...this.env, PORT: String(port), DRYDOCK_PUBLIC_URL: url });
    this.processes.push(proc);
    return proc;
  }

  /** Starts a worker process. */
  startWorker(): DrydockProcess {
    const proc = new DrydockProcess('worker', undefined, this.env);
    this.processes.push(proc);
    return proc;
  }

  get apis(): DrydockProcess[] {
    return this.processes.filter((p) => p.url !== undefined);
  }

  get workers(): DrydockProcess[] {
    return this.processes.filter((p) => p.role !== 'api');
  }

  /** The first API process's URL. */
  get url(): string {
    const [api] = this.apis;
    if (!api?.url) throw new Error('the cluster has no API process');
    return api.url;
  }

  /** Sends a GitHub webhook, signed with the cluster's secret, to `apiUrl` (the first API's by default). */
  async deliver(event: string, payload: unknown, options: { deliveryId?: string; apiUrl?: string } = {}): Promise<Response> {
    const { headers, body } = await signedDelivery(event, payload, this.webhookSecret, options.deliveryId);
    return fetch(`${options.apiUrl ?? this.url}/webhooks/github`, { method: 'POST', headers, body });
  }

  /** Polls the API until build `id` reaches a final status (success, failure, error, cancelled). */
  awaitFinal(id: number, timeoutMs = 120_000): Promise<Build> {
    return waitForBuild(this.url, id, { timeoutMs });
  }

  /** Everything every process printed, each under its name. */
  output(): string {
    return this.processes.map((p) => `----- ${p.describe()}\n${p.output()}`).join('\n');
  }

  /** Stops every process (`graceMs` each before SIGKILL) and deletes the Redis keys under the prefix (when Redis answers). */
  async stop(graceMs = 10_000): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop(graceMs)));
    await deleteRedisKeys(this.env.REDIS_URL, this.env.DRYDOCK_REDIS_PREFIX).catch(() => undefined);
  }
}
