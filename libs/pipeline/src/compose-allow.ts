import { ConfigError, RepoGlobs, repoPathOf } from '@drydock/core';
import type { ComposeModel } from '@drydock/docker';

/**
 * The allow-list of a compose test file, applied to the model compose resolves
 * (`docker compose config --format json`): only keys a test needs, each with safe values.
 * Anything else, known to be dangerous or merely unknown, is refused before anything runs,
 * naming the file, service and key. The engine then puts the test box (limits,
 * no-new-privileges, dropped capabilities) on every service of the checked model.
 *
 * A trusted repository (`composeTrust`) may use what the containers would otherwise be refused:
 * any service key, bind mounts, any network or volume, but never keys the box sets (it would
 * override them), build options (the build runs with the worker's credentials and reads its
 * files), reserved labels, or a secret or config from the worker's environment.
 */

type Json = Record<string, unknown>;
type Check = (value: unknown, field: string, ctx: ModelContext) => void;
interface ModelContext {
  file: string;
  project: string | undefined;
  service?: Json;
  trusted: boolean;
  /** The fields accepted only because the repository is trusted. */
  widened: string[];
}

/** Whether a build's compose file has trusted-repository rights, and the repository as DRYDOCK_TRUSTED_REPOS names it. */
export interface ComposeTrust {
  /** `host/owner/name`, as the globs match it. */
  repo: string;
  /** Matched by a glob of DRYDOCK_TRUSTED_REPOS. */
  listed: boolean;
  /** Listed, and the build is not of a fork's code: the compose file may use more than the allow-list. */
  trusted: boolean;
}

/**
 * The decision, pure: a repository whose `host/owner/name` matches one of `trustedGlobs` (DRYDOCK_TRUSTED_REPOS,
 * matched as DRYDOCK_ALLOWED_REPOS is) is trusted, unless the build is of a fork's code, which never is.
 */
export function composeTrust(cloneUrl: string, trustedGlobs: readonly string[], isFork: boolean): ComposeTrust {
  let repo: string;
  try {
    repo = repoPathOf(cloneUrl);
  } catch {
    return { repo: cloneUrl, listed: false, trusted: false };
  }
  const listed = new RepoGlobs(trustedGlobs).allows(cloneUrl);
  return { repo, listed, trusted: listed && !isFork };
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const any: Check = () => undefined;
const at = (field: string, key: string) => (field ? `${field}.${key}` : key);

/** Why the keys people reach for are refused; any other key not allowed gets the general reason. */
const REFUSED: Record<string, string> = {
  privileged: 'test containers never run privileged',
  cap_add: 'test containers get no added capabilities',
  devices: 'test containers get no host devices',
  device_cgroup_rules: 'test containers get no host devices',
  gpus: 'test containers get no host devices',
  network_mode: 'test containers use the project\'s own networks, never the host\'s or another container\'s',
  pid: 'test containers get no host or shared namespaces',
  ipc: 'test containers get no host or shared namespaces',
  uts: 'test containers get no host or shared namespaces',
  userns_mode: 'test containers get no host or shared namespaces',
  cgroup: 'test containers get no host or shared namespaces',
  cgroup_parent: 'Drydock places test containers',
  volumes_from: 'test containers mount no other container\'s volumes',
  security_opt: 'Drydock sets the security options (no-new-privileges)',
  ports: 'tests publish nothing on the host; services reach each other by name (use expose)',
  mem_limit: 'Drydock sets the limits (DRYDOCK_TEST_MEMORY, DRYDOCK_TEST_CPUS, DRYDOCK_TEST_PIDS)',
  memswap_limit: 'Drydock sets the limits (DRYDOCK_TEST_MEMORY, DRYDOCK_TEST_CPUS, DRYDOCK_TEST_PIDS)',
  cpus: 'Drydock sets the limits (DRYDOCK_TEST_MEMORY, DRYDOCK_TEST_CPUS, DRYDOCK_TEST_PIDS)',
  pids_limit: 'Drydock sets the limits (DRYDOCK_TEST_MEMORY, DRYDOCK_TEST_CPUS, DRYDOCK_TEST_PIDS)',
  deploy: 'Drydock sets the limits (DRYDOCK_TEST_MEMORY, DRYDOCK_TEST_CPUS, DRYDOCK_TEST_PIDS)',
  ulimits: 'Drydock sets the limits (DRYDOCK_TEST_MEMORY, DRYDOCK_TEST_CPUS, DRYDOCK_TEST_PIDS)',
  sysctls: 'test containers change no kernel settings',
  runtime: 'test containers run on the engine\'s default runtime',
  isolation: 'test containers run on the engine\'s default runtime',
  extra_hosts: 'test containers resolve no host names to the host or chosen addresses',
  dns: 'test containers use the engine\'s resolver',
  container_name: 'container names are Drydock\'s, per build',
  external_links: 'test containers reach only their own project',
  logging: 'test output goes to the build log',
  environment: 'secrets and configs come from files, never from the worker\'s environment',
};

/** Service keys refused even for a trusted repository: the test box sets them on every service (and would override them). */
const BOX_KEYS = new Set(['privileged', 'security_opt', 'mem_limit', 'memswap_limit', 'cpus', 'pids_limit', 'deploy']);

const RESERVED_LABEL = /^(com\.docker\.|drydock\.)/;

function refuse(ctx: ModelContext, field: string, reason: string): never {
  throw new ConfigError(ctx.file, field, `not allowed: ${reason}`);
}

interface KeysOptions {
  /** Why a key not listed is refused, when `REFUSED` names no reason of its own. */
  general?: string;
  /** A trusted repository may use keys not listed here, except these (refused, trusted or not). */
  trusted?: { never: ReadonlySet<string> };
}

/** An object whose keys must each have a check; `x-` extension keys are inert and allowed. */
function keys(checks: Record<string, Check>, { general = 'not among the keys a Drydock test may use', trusted }: KeysOptions = {}): Check {
  return (value, field, ctx) => {
    if (value === null || value === undefined) return;
    if (!isObject(value)) refuse(ctx, field, 'must be a mapping');
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('x-')) continue;
      const check = checks[key];
      if (check) {
        check(inner, at(field, key), ctx);
        continue;
      }
      const reason = REFUSED[key] ?? general;
      if (!ctx.trusted) refuse(ctx, at(field, key), reason);
      if (!trusted || trusted.never.has(key)) refuse(ctx, at(field, key), `${reason}, even for a trusted repository`);
      ctx.widened.push(at(field, key));
    }
  };
}

/** A check a trusted repository is exempt from (what it guards is the containers' own). */
const unlessTrusted =
  (check: Check): Check =>
  (value, field, ctx) => {
    if (!ctx.trusted) return check(value, field, ctx);
    try {
      check(value, field, ctx);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      ctx.widened.push(field);
    }
  };

/** Unknown keys a trusted repository may use, but none of `never`. */
const widen = (...never: string[]) => ({ trusted: { never: new Set(never) } });

const labels: Check = (value, field, ctx) => {
  for (const key of Object.keys(isObject(value) ? value : {})) {
    if (RESERVED_LABEL.test(key)) refuse(ctx, `${field}.${key}`, 'labels under com.docker. and drydock. are the engine\'s and Drydock\'s');
  }
};

const only =
  (...allowed: unknown[]): Check =>
  (value, field, ctx) => {
    if (!allowed.includes(value)) refuse(ctx, field, `must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
  };

/** A project's own network or volume: the name compose gives it, never an external or another project's. */
const ownName: Check = (value, field, ctx) => {
  const key = field.split('.').at(-2);
  if (ctx.project !== undefined && value !== `${ctx.project}_${key}`) refuse(ctx, field, 'networks and volumes are the project\'s own; they take no name of their own');
};

const emptyIpam: Check = (value, field, ctx) => {
  if (isObject(value) && Object.keys(value).length > 0) refuse(ctx, field, 'the engine chooses the addresses');
};

const image: Check = (value, field, ctx) => {
  if (ctx.service && ctx.service.build !== undefined) {
    refuse(ctx, field, `a service that builds may not name its image (${JSON.stringify(value)}): that would replace it for every other build`);
  }
};

const build = keys({
  context: any,
  dockerfile: any,
  dockerfile_inline: any,
  args: any,
  target: any,
  labels,
  additional_contexts: any,
  pull: any,
  no_cache: any,
});

const volumeKind: Check = (value, field, ctx) => {
  if (!isObject(value)) refuse(ctx, field, 'must be a mapping');
  if (value.type !== 'volume' && value.type !== 'tmpfs') {
    const source = typeof value.source === 'string' ? ` of ${JSON.stringify(value.source)}` : '';
    refuse(ctx, field, `${String(value.type)} mount${source}: only named or anonymous volumes and tmpfs`);
  }
};

const volumeEntry: Check = (value, field, ctx) => {
  if (!isObject(value)) refuse(ctx, field, 'must be a mapping');
  unlessTrusted(volumeKind)(value, field, ctx);
  keys({ type: any, source: any, target: any, read_only: any, volume: keys({ nocopy: any, subpath: any }, widen()), tmpfs: keys({ size: any, mode: any }, widen()) }, widen())(
    value,
    field,
    ctx,
  );
};

const list =
  (entry: Check): Check =>
  (value, field, ctx) => {
    if (!Array.isArray(value)) refuse(ctx, field, 'must be a list');
    value.forEach((item, i) => entry(item, `${field}[${i}]`, ctx));
  };

const serviceNetworks: Check = (value, field, ctx) => {
  for (const [name, attachment] of Object.entries(isObject(value) ? value : {})) keys({ aliases: any }, widen())(attachment, `${field}.${name}`, ctx);
};

const SERVICE: Record<string, Check> = {
  image,
  build,
  command: any,
  entrypoint: any,
  environment: any,
  env_file: any, // checked inside the repository; compose merges it into environment
  working_dir: any,
  user: any,
  hostname: any,
  depends_on: any,
  healthcheck: any,
  expose: any,
  links: any,
  networks: serviceNetworks,
  volumes: list(volumeEntry),
  tmpfs: any,
  labels,
  cap_drop: any,
  read_only: any,
  init: any,
  tty: any,
  stdin_open: any,
  stop_signal: any,
  stop_grace_period: any,
  restart: unlessTrusted(only('no')),
  profiles: any,
  pull_policy: only('missing', 'always', 'never', 'if_not_present', 'build'),
  secrets: any,
  configs: any,
};

const TOP = keys(
  {
    name: any,
    version: any,
    services: any, // each checked below, with its own context
    networks: (value, field, ctx) => {
      for (const [name, network] of Object.entries(isObject(value) ? value : {})) {
        const own = { name: unlessTrusted(ownName), ipam: unlessTrusted(emptyIpam), labels, internal: any };
        keys({ ...own, driver: unlessTrusted(only('bridge')), external: unlessTrusted(only(false)), enable_ipv6: unlessTrusted(only(false)) }, widen())(network, `${field}.${name}`, ctx);
      }
    },
    volumes: (value, field, ctx) => {
      for (const [name, volume] of Object.entries(isObject(value) ? value : {})) {
        keys({ name: unlessTrusted(ownName), labels, driver: unlessTrusted(only('local')), external: unlessTrusted(only(false)) }, widen())(volume, `${field}.${name}`, ctx);
      }
    },
    secrets: fileOnly,
    configs: fileOnly,
  },
  { general: 'not among the top-level keys a Drydock test may use', ...widen() },
);

/** Top-level secrets and configs from files in the repository (checked there), never from the worker's environment. */
function fileOnly(value: unknown, field: string, ctx: ModelContext): void {
  for (const [name, entry] of Object.entries(isObject(value) ? value : {})) {
    keys({ name: any, file: any }, { general: 'only files of the repository', ...widen('environment') })(entry, `${field}.${name}`, ctx);
  }
}

/** A model that passed the check, and the fields in it that only a trusted repository may use (empty for any other). */
export interface CheckedCompose {
  model: ComposeModel;
  trustedFields: string[];
}

/**
 * Refuses what the allow-list does not allow (see the file's comment), widened when `trusted`;
 * resolves with the model, typed, and what trust allowed.
 */
export function checkComposeModel(file: string, model: unknown, trusted = false): CheckedCompose {
  const ctx: ModelContext = { file, project: isObject(model) && typeof model.name === 'string' ? model.name : undefined, trusted, widened: [] };
  if (!isObject(model) || !isObject(model.services)) throw new ConfigError(file, 'services', 'must be a mapping of services');
  TOP(model, '', ctx);
  const services = model.services;
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service)) throw new ConfigError(file, `services.${name}`, 'must be a mapping');
    keys(SERVICE, widen(...BOX_KEYS))(service, `services.${name}`, { ...ctx, service });
  }
  if (!isObject(services.sut)) throw new ConfigError(file, 'services.sut', 'missing: the sut service is the test (its exit code)');
  return { model: model as ComposeModel, trustedFields: ctx.widened };
}
