import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestServices } from '../libs/testing/src/test-services.js';

/**
 * Jest global setup: starts the services the suite needs through scripts/services.sh, on
 * the tests' own ports, socket, bridge and data dir so they coexist with `npm run up`'s
 * (6379, 5000, /run/drydock). Services already answering there (a previous or parallel run)
 * are reused. Each run holds a lease (its pid); the teardown of the last run stops them.
 *
 * Jest loads this file with Node's own ESM loader: only type imports from the repo's
 * TypeScript work here, so the state file's path is repeated from test-services.ts.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateFile = path.join(repoRoot, '.test-data', 'services.json');
const servicesDir = process.env.DRYDOCK_TEST_SERVICES_DIR ?? '/var/lib/drydock-test';
const dockerSocket = '/run/drydock-test/docker.sock';
const ports = { redis: 16379, registry: 15000, postgres: 15432 };
/** Test hosts that builds may reach (test/e2e/isolation-network.e2e-spec.ts makes one there); 10.232.0.0/24 stays blocked. */
const buildAllowNets = ['10.231.0.0/24'];

export default async function globalSetup(): Promise<void> {
  const where = [
    ...['--data-dir', servicesDir],
    ...['--redis-port', String(ports.redis), '--registry-port', String(ports.registry)],
    ...['--postgres-port', String(ports.postgres), '--postgres-db', 'drydock_test'],
    ...['--docker-socket', dockerSocket, '--bridge', 'drydock-test0', '--docker-subnet', '10.221.0.0/16'],
    ...['--build-allow-nets', buildAllowNets.join(',')],
  ];
  // services.sh start takes the lease before it answers, so a teardown cannot slip in between.
  await runScript('services.sh', ['start', ...where, '--lease', String(process.pid)]);
  const credentials = parseEnv(await runScript('services.sh', ['env', ...where]));
  const services: TestServices = {
    redisUrl: credentials.REDIS_URL ?? `redis://127.0.0.1:${ports.redis}`,
    dockerHost: `unix://${dockerSocket}`,
    dockerCli: '/usr/bin/docker',
    registry: `localhost:${ports.registry}`,
    registryCredentials: { username: credentials.DRYDOCK_REGISTRY_USERNAME ?? '', password: credentials.DRYDOCK_REGISTRY_PASSWORD ?? '' },
    buildAllowNets,
    engineNetns: 'drydock-test0',
    postgresUrl: `postgres://postgres@127.0.0.1:${ports.postgres}/drydock_test`,
    dataDir: path.join(servicesDir, 'tmp'),
  };
  await runScript('base-images.sh', ['--only', 'busybox'], { DOCKER_HOST: services.dockerHost });
  mkdirSync(services.dataDir, { recursive: true });
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(services, null, 2)}\n`);
}

/** `services.sh env` output: VAR=value lines (the values are hex and URLs, printed unquoted by %q). */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

async function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'scripts', script), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const { stderr = '' } = err as { stderr?: string };
    throw new Error(`scripts/${script} ${args.join(' ')} failed:\n${stderr}`, { cause: err });
  }
}
