import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, hasExited, RegistryClient, testServices } from '@drydock/testing';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A registry of the fault tier's own: distribution's `docker-registry` serving config/registry.yml
 * as `npm run up` does (scripts/services.sh), on a free loopback port, with its own storage dir
 * and htpasswd user. A test stops it and starts it again on the same port and storage; the
 * shared test registry is never touched.
 *
 * The test engine reaches only the shared registry's port (its network namespace has a forwarder
 * for that one), so a Drydock pushing here needs engines of its own: `startE2eWorld({ engines:
 * true, env: registry.env() })` starts an engine per repository with this registry's port
 * forwarded into its namespace.
 */
export class FaultRegistry {
  private child?: ChildProcess;
  private log = '';
  readonly credentials = { username: 'drydock', password: randomBytes(16).toString('hex') };

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<FaultRegistry> {
    const registry = new FaultRegistry(await freePort(), mkdtempSync(path.join(testServices().dataDir, 'fault-registry-')));
    execFileSync('htpasswd', ['-B', '-i', '-c', path.join(registry.dir, 'htpasswd'), registry.credentials.username], { input: registry.credentials.password, stdio: ['pipe', 'ignore', 'pipe'] });
    await registry.start();
    return registry;
  }

  /** `localhost:<port>`, as DRYDOCK_REGISTRY names it (docker talks plain HTTP to localhost). */
  get host(): string {
    return `localhost:${this.port}`;
  }

  /** DRYDOCK_REGISTRY and its login, for a Drydock that pushes here. */
  env(): Record<string, string> {
    return { DRYDOCK_REGISTRY: this.host, DRYDOCK_REGISTRY_USERNAME: this.credentials.username, DRYDOCK_REGISTRY_PASSWORD: this.credentials.password };
  }

  /** Reads what the registry holds, with its login. */
  client(): RegistryClient {
    return new RegistryClient(`127.0.0.1:${this.port}`, this.credentials);
  }

  get running(): boolean {
    return this.child !== undefined && !hasExited(this.child);
  }

  /** Starts it (again: same port, same storage) and resolves once `/v2/` answers (401: it wants the login). A no-op while it runs. */
  async start(): Promise<void> {
    if (this.running) return;
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      REGISTRY_HTTP_ADDR: `127.0.0.1:${this.port}`,
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: path.join(this.dir, 'storage'),
      REGISTRY_AUTH_HTPASSWD_PATH: path.join(this.dir, 'htpasswd'),
    };
    const child = spawn('docker-registry', ['serve', path.join(repoRoot, 'config', 'registry.yml')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child = child;
    const deadline = Date.now() + 20_000;
    while (!(await this.answers())) {
      if (hasExited(child) || Date.now() > deadline) throw new Error(`docker-registry on ${this.port} did not start:\n${this.log}`);
      await sleep(100);
    }
  }

  /** Stops it (SIGTERM) and resolves once it has exited: connections to its port are refused from then on. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops it for good and deletes its storage. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    const res = await fetch(`http://127.0.0.1:${this.port}/v2/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    return res?.status === 401;
  }
}
