import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readGitHubAppKey } from './github-app-key.js';

/**
 * Environment -> typed, validated AppConfig, once at start-up. No other module reads
 * process.env. Any `X` may instead come from a file named by `X_FILE` (for secrets).
 */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** `host/owner/name` with globs: no scheme, no whitespace, at least three segments. */
const REPO_GLOB = /^(?!.*:\/\/)[^\s/]+(\/[^\s/]+){2,}$/;
/** A comma-separated list of `REPO_GLOB`s (matched by core's `RepoGlobs`), empty by default. */
const repoGlobs = () =>
  z
    .string()
    .default('')
    .transform((v) => v.split(',').map((glob) => glob.trim()).filter((glob) => glob !== ''))
    .pipe(z.array(z.string().regex(REPO_GLOB, 'each must be a glob over host/owner/name, e.g. github.com/acme/*')));
/** An IPv4 CIDR, `A.B.C.D/N` (a bare address is a /32). */
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)(\/([12]?\d|3[0-2]))?$/;

/** What a pull request from a fork gets (`DRYDOCK_FORK_PRS`), see `AppConfig.forkPrs`. */
export const FORK_PR_POLICIES = ['approve', 'run', 'off'] as const;
export type ForkPrPolicy = (typeof FORK_PR_POLICIES)[number];

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  DRYDOCK_REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, 'must be a name of letters, digits, _ . - (at most 64)')
    .default('drydock'),
  DATABASE_URL: z.string().optional(),
  DOCKER_HOST: optionalText,
  DRYDOCK_DOCKER_CLI: optionalText,
  DRYDOCK_ENGINES_DIR: optionalText,
  DRYDOCK_MAX_ENGINES: z.coerce.number().int().min(1).max(16).default(4),
  DRYDOCK_ALLOW_OLD_ENGINE: optionalText,
  DRYDOCK_REGISTRY: z
    .string()
    .regex(/^[a-zA-Z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/, 'must be host[:port][/namespace]')
    .default('localhost:5000'),
  DRYDOCK_REGISTRY_USERNAME: optionalText,
  DRYDOCK_REGISTRY_PASSWORD: optionalText,
  DRYDOCK_PUBLIC_URL: optionalText,
  DRYDOCK_API_TOKEN: optionalText,
  DRYDOCK_READ_TOKEN_REQUIRED: z.enum(['true', 'false', '1', '0']).default('false'),
  DRYDOCK_ALLOWED_REPOS: repoGlobs(),
  DRYDOCK_TRUSTED_REPOS: repoGlobs(),
  DRYDOCK_BUILD_ALLOW_NETS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((net) => net.trim()).filter((net) => net !== ''))
    .pipe(z.array(z.string().regex(IPV4_CIDR, 'each must be an IPv4 CIDR, e.g. 10.1.2.0/24'))),
  DRYDOCK_DATA_DIR: z.string().default('./data'),
  DRYDOCK_SECRETS_DIR: optionalText,
  DRYDOCK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  DRYDOCK_REPO_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  DRYDOCK_LOG_MAX_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
  DRYDOCK_BUILD_TIMEOUT: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600),
  DRYDOCK_MAX_CHECKOUT_MB: z.coerce.number().int().min(1).default(2048),
  DRYDOCK_FORK_PRS: z.enum(FORK_PR_POLICIES).default('approve'),
  DRYDOCK_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  DRYDOCK_SHUTDOWN_GRACE: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(600),
  DRYDOCK_TEST_MEMORY: z
    .string()
    .default('2g')
    .transform((v, ctx) => {
      const bytes = memoryBytes(v);
      if (bytes === null) ctx.addIssue({ code: 'custom', message: 'must be a size of at least 6m, e.g. 2g, 512m or 1073741824' });
      return bytes ?? 0;
    }),
  DRYDOCK_TEST_CPUS: z.coerce.number().positive().max(1024).default(2),
  DRYDOCK_TEST_PIDS: z.coerce.number().int().min(16).max(4_194_304).default(1024),
  GITHUB_WEBHOOK_SECRET: optionalText,
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  GITHUB_TOKEN: optionalText,
  GITHUB_APP_ID: optionalText.pipe(z.string().regex(/^([1-9]\d*|Iv[0-9A-Za-z.]+)$/, 'must be the App ID (a number) or its client ID (Iv…)').optional()),
  GITHUB_APP_PRIVATE_KEY: optionalText,
  DRYDOCK_REDELIVER_INTERVAL: z.coerce.number().int().min(5).max(24 * 3600).default(300),
});

export interface AppConfig {
  port: number;
  redisUrl: string;
  /** Starts every Redis key and channel of this instance (`DRYDOCK_REDIS_PREFIX`): instances sharing a Redis stay apart. */
  redisPrefix: string;
  databaseUrl: string;
  /** Without `engines`: the engine every build runs on. With it: the engine whose base images each new engine gets. */
  dockerHost: string | undefined;
  /**
   * Set (`DRYDOCK_ENGINES_DIR`): the worker starts an engine per repository (scripts/services.sh, as root), data roots
   * under `dir`, at most `max` (`DRYDOCK_MAX_ENGINES`) running. Unset: every build runs on DOCKER_HOST's engine.
   */
  engines: { dir: string; max: number } | undefined;
  /** The docker client binary; must have the buildx and compose v2 plugins. */
  dockerCli: string;
  /** Build even on an engine whose BuildKit is older than 0.12.5 (`DRYDOCK_ALLOW_OLD_ENGINE` = `1` or `true`). */
  allowOldEngine: boolean;
  registry: { host: string; username?: string; password?: string };
  publicUrl: string;
  apiToken: string | undefined;
  /** When true, reads need the API token too. */
  readsNeedToken: boolean;
  /** Globs over `host/owner/name` that `POST /api/builds` may clone besides repositories known from signed webhooks (`DRYDOCK_ALLOWED_REPOS`). */
  allowedRepos: string[];
  /**
   * Globs over `host/owner/name` whose compose test files may use keys the allow-list refuses (`DRYDOCK_TRUSTED_REPOS`):
   * never a fork's build, never a `${VAR}` of the worker's environment, never keys the test box sets. Empty: none.
   */
  trustedRepos: string[];
  /**
   * CIDRs that build steps and tests may reach besides the outside network (`DRYDOCK_BUILD_ALLOW_NETS`).
   * Enforced by the engine's firewall, which scripts/services.sh sets up from the same variable when it starts the engine.
   */
  buildAllowNets: string[];
  dataDir: string;
  /**
   * Build secrets (`DRYDOCK_SECRETS_DIR`): `<dir>/<owner>/<repo>/<name>` files a repository's `.drydock.yml` may name
   * (`secrets:`), passed to BuildKit, never to a fork's build. Unset: no secrets are available.
   */
  secretsDir: string | undefined;
  concurrency: number;
  /** Builds of one repository running at once across all workers (`DRYDOCK_REPO_CONCURRENCY`); they start in the order they were created. */
  repoConcurrency: number;
  logMaxBytes: number;
  /** Seconds a build may run (`DRYDOCK_BUILD_TIMEOUT`); a repository's `timeout:` may only shorten it. */
  buildTimeoutSeconds: number;
  /** A checkout whose files add up to more than this many MiB fails the build (`DRYDOCK_MAX_CHECKOUT_MB`). */
  maxCheckoutMb: number;
  /**
   * Pull requests from forks (`DRYDOCK_FORK_PRS`): `approve` stores their builds `blocked` until a maintainer
   * approves that head commit, `run` builds them sandboxed at once, `off` ignores them.
   */
  forkPrs: ForkPrPolicy;
  /** Mirrors of repositories not built, and logs and deliveries older than this many days are pruned (`DRYDOCK_RETENTION_DAYS`). */
  retentionDays: number;
  /**
   * Seconds a worker lets running builds finish after SIGTERM (`DRYDOCK_SHUTDOWN_GRACE`); then it hands back what is
   * left, and exits by the end of it whatever it is waiting for (Redis or the database gone).
   */
  shutdownGraceSeconds: number;
  /** Limits of every test container, `test:` commands and compose services alike (`DRYDOCK_TEST_MEMORY` / `_CPUS` / `_PIDS`). */
  testLimits: TestLimits;
  /**
   * `appId` and `appPrivateKey` (PKCS#8 PEM, read and checked at start-up) are both set or both
   * unset; set, Drydock is a GitHub App (`isGitHubApp`): installation tokens clone and report, as
   * check runs. `redeliverIntervalSeconds` (`DRYDOCK_REDELIVER_INTERVAL`): how often, in App mode,
   * the worker asks GitHub to redeliver webhooks that failed.
   */
  github: { apiUrl: string; webhookSecret?: string; token?: string; appId?: string; appPrivateKey?: string; redeliverIntervalSeconds?: number };
  /** Values masked as *** in build logs, build errors, status descriptions and API answers. */
  secrets: string[];
}

export interface TestLimits {
  /** Memory, and memory plus swap (no swap), in bytes. */
  memoryBytes: number;
  /** CPUs, as `docker run --cpus`. */
  cpus: number;
  /** Processes and threads at once. */
  pids: number;
}

export class ConfigInvalidError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(withFileSecrets(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigInvalidError(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DRYDOCK_DATA_DIR);
  const appPrivateKey = gitHubAppKey(e.GITHUB_APP_ID, e.GITHUB_APP_PRIVATE_KEY);
  const github = {
    apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ''),
    webhookSecret: e.GITHUB_WEBHOOK_SECRET,
    token: e.GITHUB_TOKEN,
    appId: e.GITHUB_APP_ID,
    appPrivateKey,
    redeliverIntervalSeconds: e.DRYDOCK_REDELIVER_INTERVAL,
  };
  return {
    port: e.PORT,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.DRYDOCK_REDIS_PREFIX,
    databaseUrl: e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'drydock.db')}`,
    dockerHost: e.DOCKER_HOST,
    engines: e.DRYDOCK_ENGINES_DIR ? { dir: path.resolve(e.DRYDOCK_ENGINES_DIR), max: e.DRYDOCK_MAX_ENGINES } : undefined,
    dockerCli: e.DRYDOCK_DOCKER_CLI ?? defaultDockerCli(),
    allowOldEngine: e.DRYDOCK_ALLOW_OLD_ENGINE === '1' || e.DRYDOCK_ALLOW_OLD_ENGINE === 'true',
    registry: {
      host: e.DRYDOCK_REGISTRY.replace(/\/+$/, ''),
      username: e.DRYDOCK_REGISTRY_USERNAME,
      password: e.DRYDOCK_REGISTRY_PASSWORD,
    },
    publicUrl: (e.DRYDOCK_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    apiToken: e.DRYDOCK_API_TOKEN,
    readsNeedToken: e.DRYDOCK_READ_TOKEN_REQUIRED === 'true' || e.DRYDOCK_READ_TOKEN_REQUIRED === '1',
    allowedRepos: e.DRYDOCK_ALLOWED_REPOS,
    trustedRepos: e.DRYDOCK_TRUSTED_REPOS,
    buildAllowNets: e.DRYDOCK_BUILD_ALLOW_NETS,
    dataDir,
    secretsDir: e.DRYDOCK_SECRETS_DIR === undefined ? undefined : path.resolve(e.DRYDOCK_SECRETS_DIR),
    concurrency: e.DRYDOCK_CONCURRENCY,
    repoConcurrency: e.DRYDOCK_REPO_CONCURRENCY,
    logMaxBytes: e.DRYDOCK_LOG_MAX_BYTES,
    buildTimeoutSeconds: e.DRYDOCK_BUILD_TIMEOUT,
    maxCheckoutMb: e.DRYDOCK_MAX_CHECKOUT_MB,
    forkPrs: e.DRYDOCK_FORK_PRS,
    retentionDays: e.DRYDOCK_RETENTION_DAYS,
    shutdownGraceSeconds: e.DRYDOCK_SHUTDOWN_GRACE,
    testLimits: { memoryBytes: e.DRYDOCK_TEST_MEMORY, cpus: e.DRYDOCK_TEST_CPUS, pids: e.DRYDOCK_TEST_PIDS },
    github,
    secrets: secretList([
      e.DRYDOCK_REGISTRY_PASSWORD,
      e.GITHUB_TOKEN,
      e.GITHUB_WEBHOOK_SECRET,
      e.DRYDOCK_API_TOKEN,
      e.GITHUB_APP_PRIVATE_KEY?.includes('-----BEGIN') ? e.GITHUB_APP_PRIVATE_KEY : undefined,
      appPrivateKey,
      ...urlPasswords(e.DATABASE_URL),
      ...urlPasswords(e.REDIS_URL),
    ]),
  };
}

/** Drydock is a GitHub App: installation tokens, check runs (see `AppConfig.github`). */
export const isGitHubApp = (config: Pick<AppConfig, 'github'>): boolean => Boolean(config.github.appId && config.github.appPrivateKey);

/** The App's key as PKCS#8 PEM; both App variables or neither, and a key that is not one fails start-up. */
function gitHubAppKey(appId: string | undefined, key: string | undefined): string | undefined {
  if (!appId && !key) return undefined;
  if (!appId || !key) throw new ConfigInvalidError(`invalid environment:\n  ${appId ? 'GITHUB_APP_PRIVATE_KEY' : 'GITHUB_APP_ID'}: required with ${appId ? 'GITHUB_APP_ID' : 'GITHUB_APP_PRIVATE_KEY'} (a GitHub App needs both)`);
  const read = readGitHubAppKey(key);
  if ('problem' in read) throw new ConfigInvalidError(`invalid environment:\n  GITHUB_APP_PRIVATE_KEY: ${read.problem}`);
  return read.pem;
}

/** The values worth masking: set, and long enough not to mask ordinary words. */
export function secretList(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((s): s is string => s !== undefined && s.length >= 4))];
}

/** The password of a `scheme://user:password@host/…` URL, as written and decoded. */
function urlPasswords(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const password = new URL(url).password;
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker's size syntax (`2g`, `512m`, `1.5GiB`, bytes), binary units; null when malformed or under docker's 6 MiB minimum. */
export function memoryBytes(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s?([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]);
  return bytes >= 6 * 1024 ** 2 && Number.isSafeInteger(bytes) ? bytes : null;
}

/** `GITHUB_TOKEN_FILE=/run/secrets/t` sets GITHUB_TOKEN from that file. */
function withFileSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const target of Object.keys(envSchema.shape)) {
    const file = env[`${target}_FILE`];
    if (file && out[target] === undefined) out[target] = readFileSync(file, 'utf8').trim();
  }
  return out;
}

/** Debian's docker client comes with the buildx and compose plugins; the 28.x client some machines have in /usr/local/bin has neither. */
function defaultDockerCli(): string {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}
