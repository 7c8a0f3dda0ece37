import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServices } from './test-services.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface DrydockStack {
  url: string;
  env: Record<string, string>;
  /** Everything the processes printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  githubApiUrl: string;
  webhookSecret?: string;
  /** Extra or overriding environment. */
  env?: Record<string, string>;
  /** `combined` runs `npm start` (API + worker in one process); `split` runs start:api and start:worker; `api` only the API. */
  mode?: 'combined' | 'split' | 'api';
}

/**
 * Runs the compiled Drydock (`npm run build` first) against the test services, on its own
 * port, Redis database, SQLite file and data dir, and waits until /healthz answers.
 */
export async function startDrydock(options: StackOptions): Promise<DrydockStack> {
  const services = testServices();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(services.dataDir, 'drydock-'));
  const redisDb = 1 + (port % 15); // one Redis database per stack: its queue is its own
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    PORT: String(port),
    REDIS_URL: `${services.redisUrl.replace(/\/\d*$/, '')}/${redisDb}`,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'drydock.db')}`,
    DOCKER_HOST: services.dockerHost,
    DRYDOCK_REGISTRY: services.registry,
    DRYDOCK_DATA_DIR: dataDir,
    DRYDOCK_PUBLIC_URL: `http://drydock.test:${port}`,
    GITHUB_API_URL: options.githubApiUrl,
    GITHUB_WEBHOOK_SECRET: options.webhookSecret ?? 'test-webhook-secret',
    ...options.env,
  };
  const scripts = {
    combined: [['apps/api/src/main.js', '--with-worker']],
    split: [['apps/api/src/main.js'], ['apps/worker/src/main.js']],
    api: [['apps/api/src/main.js']],
  }[options.mode ?? 'combined'];
  await flushRedisDb(env.REDIS_URL);
  let output = '';
  const children: ChildProcess[] = scripts.map(([script, ...args]) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return child;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, children, () => output);
  return {
    url,
    env,
    output: () => output,
    stop: async () => {
      await Promise.all(children.map(stopChild));
    },
  };
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

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function flushRedisDb(redisUrl: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
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
