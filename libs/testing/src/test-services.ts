import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DrydockError } from '@drydock/core';

/**
 * The real services the test suite runs against, on the tests' own ports so they
 * coexist with a running Drydock (`npm run up`). test/global-setup.ts starts them
 * through scripts/services.sh and writes this file; tests read it with `testServices()`.
 */
export interface TestServices {
  /** `redis://:<password>@127.0.0.1:16379`: Redis wants the password services.sh generated. */
  redisUrl: string;
  /** The test Docker engine, `unix:///run/drydock-test/docker.sock`; it has `busybox:latest`. */
  dockerHost: string;
  /** The docker client with the buildx and compose v2 plugins (`/usr/bin/docker`). */
  dockerCli: string;
  /** `localhost:15000`: push and pull over plain HTTP, with `registryCredentials`. */
  registry: string;
  /** The registry's only user (htpasswd), as Drydock gets it in DRYDOCK_REGISTRY_USERNAME / _PASSWORD. */
  registryCredentials: { username: string; password: string };
  /** CIDRs the test engine's builds may reach (its DRYDOCK_BUILD_ALLOW_NETS, set when it starts): tests put their own hosts there. */
  buildAllowNets: string[];
  /** The network namespace the test engine runs in (named after its bridge, `drydock-test0`). */
  engineNetns: string;
  /** `postgres://postgres@127.0.0.1:15432/drydock_test` (trust auth). */
  postgresUrl: string;
  /** A scratch directory for tests' files (repos, Drydock data dirs); emptied when the services stop. */
  dataDir: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const TEST_SERVICES_FILE = path.join(repoRoot, '.test-data', 'services.json');

export function testServices(): TestServices {
  try {
    return JSON.parse(readFileSync(TEST_SERVICES_FILE, 'utf8')) as TestServices;
  } catch (err) {
    throw new DrydockError('infrastructure', `no test services: cannot read ${TEST_SERVICES_FILE} (written by jest's global setup)`, {
      cause: err,
    });
  }
}

/** A new, empty directory for one test, under `dataDir`. */
export function freshTempDir(label = 'test'): string {
  const { dataDir } = testServices();
  mkdirSync(dataDir, { recursive: true });
  return mkdtempSync(path.join(dataDir, `${label.replace(/[^a-zA-Z0-9._-]/g, '-')}-`));
}
