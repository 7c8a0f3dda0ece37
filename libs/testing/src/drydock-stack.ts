import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBuildIdsHigh } from './build-ids.js';
import { testServices } from './test-services.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface DrydockStack {
  url: string;
  env: Record<string, string>;
  /** The API token: DRYDOCK_API_TOKEN of `env`, or the one Drydock generated into `<DRYDOCK_DATA_DIR>/api-token`. */
  token: string;
  /** `fetch` on the API with `Authorization: Bearer <token>` (and a JSON content type when there is a body). */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Everything the processes printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  githubApiUrl: string;
  webhookSecret?: string;
  /**
   * Extra or overriding environment. A random DRYDOCK_API_TOKEN is set unless this names one;
   * `DRYDOCK_API_TOKEN: ''` leaves it unset, so Drydock generates its own.
   */
  env?: Record<string, string>;
  /** `combined` runs `npm start` (API + worker in one process); `split` runs start:api and start:worker; `api` only the API. */
  mode?: 'combined' | 'split' | 'api';
  /**
   * The worker starts an engine per repository (DRYDOCK_ENGINES_DIR under the stack's data dir),
   * copying base images from the test engine; `stop` stops any it left. Each new repository
   * then costs an engine start (a few seconds), so only the isolation tests ask for it.
   */
  engines?: boolean;
}

/**
 * Runs the compiled Drydock (`npm run build` first) against the test services, on its own
 * port, Redis key prefix, SQLite file and data dir, and waits until /healthz answers.
 * A stack given another's `DRYDOCK_REDIS_PREFIX` shares its queue; by default it starts
 * with none (as after a Redis restart). `stop` deletes the keys under its prefix.
 */
export async function startDrydock(options: StackOptions): Promise<DrydockStack> {
  const services = testServices();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(services.dataDir, 'drydock-'));
  const env = drydockEnv({ ...options, port, dataDir });
  if (!options.env?.DATABASE_URL) await startBuildIdsHigh(env.DATABASE_URL); // see build-ids.ts
  let output = '';
  const children = ROLES[options.mode ?? 'combined'].map((role) => spawnDrydock(role, env, (text) => (output += text)));
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, children, () => output);
  const token = env.DRYDOCK_API_TOKEN || readFileSync(path.join(env.DRYDOCK_DATA_DIR, 'api-token'), 'utf8').trim();
  return {
    url,
    env,
    token,
    api: (apiPath, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${url}${apiPath}`, { ...init, headers });
    },
    output: () => output,
    stop: async () => {
      await Promise.all(children.map((child) => stopChild(child)));
      if (env.DRYDOCK_ENGINES_DIR) await stopLeftEngines(env.DRYDOCK_ENGINES_DIR);
      await deleteRedisKeys(env.REDIS_URL, env.DRYDOCK_REDIS_PREFIX);
    },
  };
}

/**
 * The environment of a compiled Drydock process against the test services: `port`, a fresh
 * Redis key prefix, a SQLite file in `dataDir`, a random API token; `options.env` overrides
 * any of it (processes of one cluster share all but PORT).
 */
export function drydockEnv(options: Omit<StackOptions, 'mode'> & { port: number; dataDir: string }): Record<string, string> {
  const services = testServices();
  const { port, dataDir } = options;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    PORT: String(port),
    REDIS_URL: services.redisUrl,
    DRYDOCK_REDIS_PREFIX: `drydock-test-${randomBytes(6).toString('hex')}`, // its queue, logs and events are its own
    DATABASE_URL: `sqlite:${path.join(dataDir, 'drydock.db')}`,
    DOCKER_HOST: services.dockerHost,
    DRYDOCK_REGISTRY: services.registry,
    DRYDOCK_REGISTRY_USERNAME: services.registryCredentials.username,
    DRYDOCK_REGISTRY_PASSWORD: services.registryCredentials.password,
    DRYDOCK_DATA_DIR: dataDir,
    DRYDOCK_PUBLIC_URL: `http://drydock.test:${port}`,
    GITHUB_API_URL: options.githubApiUrl,
    GITHUB_WEBHOOK_SECRET: options.webhookSecret ?? 'test-webhook-secret',
    DRYDOCK_API_TOKEN: `test-api-token-${randomBytes(12).toString('hex')}`,
    ...(options.engines ? { DRYDOCK_ENGINES_DIR: path.join(dataDir, 'engines'), DRYDOCK_BUILD_ALLOW_NETS: services.buildAllowNets.join(',') } : {}),
    ...options.env,
  };
}

/** `api` serves HTTP only, `worker` runs builds only, `combined` is `npm start` (both in one process). */
export type DrydockRole = 'api' | 'worker' | 'combined';

const ROLES: Record<NonNullable<StackOptions['mode']>, DrydockRole[]> = { combined: ['combined'], split: ['api', 'worker'], api: ['api'] };

/** Starts one compiled Drydock process (`npm run build` first) with `env`; everything it prints goes to `onOutput`. */
export function spawnDrydock(role: DrydockRole, env: Record<string, string>, onOutput: (text: string) => void): ChildProcess {
  const [script, ...args] = { api: ['apps/api/src/main.js'], worker: ['apps/worker/src/main.js'], combined: ['apps/api/src/main.js', '--with-worker'] }[role];
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => onOutput(d.toString()));
  child.stderr?.on('data', (d: Buffer) => onOutput(d.toString()));
  return child;
}

async function waitForHealth(url: string, children: ChildProcess[], output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (children.some(hasExited)) throw new Error(`Drydock exited during start-up:\n${output()}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Drydock did not become healthy in 30 s:\n${output()}`);
}

/** Whether the process has exited (or died of a signal). */
export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Engines a worker that was killed left running (a worker that shuts down stops its own). */
async function stopLeftEngines(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const dataDirs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name));
  for (const dataDir of dataDirs.filter((d) => existsSync(path.join(d, 'docker.pid')))) {
    await promisify(execFile)('bash', [path.join(repoRoot, 'scripts', 'services.sh'), 'stop', '--data-dir', dataDir, 'docker']);
  }
}

/** Deletes the keys under `prefix:` (never another stack's or instance's); rejects at once when Redis does not answer. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined); // the scan's rejection says it
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
