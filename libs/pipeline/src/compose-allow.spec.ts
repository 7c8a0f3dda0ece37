import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@drydock/core';
import { checkComposeModel, composeTrust } from './compose-allow.js';

const FILE = 'docker-compose.test.yml';

/** A model as `docker compose config --format json` prints it (captured from compose 2.26), with `sut` changed as given. */
function model(changes: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  const sut = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  const removed = Object.keys(changes).filter((k) => changes[k] === undefined);
  const result = {
    name: 'drydock-7',
    networks: { default: { name: 'drydock-7_default', ipam: {} } },
    services: {
      db: {
        cap_drop: ['ALL'], command: null, entrypoint: null, expose: ['5432'], hostname: 'db', image: 'busybox:latest', init: true,
        labels: { a: 'b' }, networks: { default: null }, pull_policy: 'missing', read_only: true, restart: 'no', stop_grace_period: '3s',
        stop_signal: 'SIGINT', tmpfs: ['/run', '/tmp:size=64m'], user: '1000:1000', working_dir: '/w', environment: { A: '1$$b', GITHUB_TOKEN: null },
        volumes: [{ type: 'tmpfs', target: '/t', tmpfs: { size: '1000' } }, { type: 'volume', source: 'data', target: '/d', read_only: true, volume: { nocopy: true } }, { type: 'volume', target: '/anon', volume: {} }],
      },
      helper: {
        build: { context: '/co/helper', dockerfile: 'Dockerfile', args: { X: '1' }, labels: { l: 'v' }, additional_contexts: { base: 'docker-image://busybox' }, target: 't' },
        command: null, entrypoint: null, networks: { default: { aliases: ['h'] } }, secrets: [{ source: 'tok', target: '/run/secrets/tok' }],
      },
      sut: {
        command: ['sh', '-c', 'wget -qO- http://db:5432'], entrypoint: null, image: 'drydock/b7-0123abcd:0', links: ['db'], networks: { default: null },
        depends_on: { db: { condition: 'service_healthy', restart: true, required: true } },
        healthcheck: { test: ['CMD-SHELL', 'true'], timeout: '2s', interval: '1s', retries: 3, start_period: '1s' },
        ...sut,
      },
    },
    volumes: { data: { name: 'drydock-7_data' } },
    secrets: { tok: { name: 'drydock-7_tok', file: '/co/tok.txt' } },
    'x-common': { anything: true },
    ...top,
  };
  for (const key of removed) delete (result.services.sut as Record<string, unknown>)[key];
  return result;
}

function refusal(m: unknown, trusted = false): ConfigError {
  try {
    checkComposeModel(FILE, m, trusted);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('checkComposeModel', () => {
  it('accepts the keys a test needs: images, builds, commands, environment, volumes, tmpfs, health checks, dependencies', () => {
    const m = model();
    expect(checkComposeModel(FILE, m)).toEqual({ model: m, trustedFields: [] });
  });

  it.each([
    ['privileged', { privileged: true }, 'services.sut.privileged', 'never run privileged'],
    ['network_mode: host', { network_mode: 'host' }, 'services.sut.network_mode', 'never the host'],
    ['pid: host', { pid: 'host' }, 'services.sut.pid', 'no host or shared namespaces'],
    ['ipc: host', { ipc: 'host' }, 'services.sut.ipc', 'namespaces'],
    ['userns_mode: host', { userns_mode: 'host' }, 'services.sut.userns_mode', 'namespaces'],
    ['cap_add', { cap_add: ['SYS_ADMIN'] }, 'services.sut.cap_add', 'no added capabilities'],
    ['devices', { devices: [{ source: '/dev/kmsg', target: '/dev/kmsg', permissions: 'rwm' }] }, 'services.sut.devices', 'no host devices'],
    ['volumes_from', { volumes_from: ['db'] }, 'services.sut.volumes_from', 'volumes'],
    ['security_opt', { security_opt: ['seccomp:unconfined'] }, 'services.sut.security_opt', 'no-new-privileges'],
    ['ports', { ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] }, 'services.sut.ports', 'publish nothing'],
    ['cgroup_parent', { cgroup_parent: '/' }, 'services.sut.cgroup_parent', 'not allowed'],
    ['sysctls', { sysctls: { 'net.ipv4.ip_forward': '1' } }, 'services.sut.sysctls', 'kernel'],
    ['extra_hosts', { extra_hosts: ['host.docker.internal=host-gateway'] }, 'services.sut.extra_hosts', 'not allowed'],
    ['runtime', { runtime: 'runc' }, 'services.sut.runtime', 'runtime'],
    ['mem_limit', { mem_limit: '100g' }, 'services.sut.mem_limit', 'DRYDOCK_TEST_MEMORY'],
    ['container_name', { container_name: 'registry' }, 'services.sut.container_name', 'not allowed'],
    ['an unknown key', { post_start: [{ command: 'x' }] }, 'services.sut.post_start', 'not among the keys'],
    ['a bind mount', { volumes: [{ type: 'bind', source: '/', target: '/host', bind: {} }] }, 'services.sut.volumes[0]', 'bind mount of "/"'],
    ['bind options on a volume', { volumes: [{ type: 'volume', source: 'data', target: '/d', bind: { propagation: 'shared' } }] }, 'services.sut.volumes[0].bind', 'not allowed'],
    ['a restart policy', { restart: 'always' }, 'services.sut.restart', 'must be "no"'],
    ['a drydock label', { labels: { 'drydock.build': '1' } }, 'services.sut.labels.drydock.build', 'not allowed'],
    ['a static address', { networks: { default: { ipv4_address: '10.221.0.1' } } }, 'services.sut.networks.default.ipv4_address', 'not allowed'],
    ['a build network', { image: undefined, build: { context: '/co', network: 'host' } }, 'services.sut.build.network', 'not allowed'],
  ])('refuses %s, naming the service and key', (_what, sut, field, reason) => {
    const err = refusal(model(sut));
    expect(err.field).toBe(field);
    expect(err.message).toContain(`${FILE}: ${field}: not allowed`);
    expect(err.message).toContain(reason);
  });

  it('refuses a service that builds and names its image, which would replace that image for other builds', () => {
    const err = refusal(model({ image: 'alpine:3.20', build: { context: '/co/poison', dockerfile: 'Dockerfile' } }));
    expect(err.message).toBe(`${FILE}: services.sut.image: not allowed: a service that builds may not name its image ("alpine:3.20"): that would replace it for every other build`);
  });

  it.each([
    ['an external network', { networks: { default: { name: 'drydock-7_default', ipam: {} }, shared: { name: 'bridge', external: true } } }, 'networks.shared.name'],
    ['a network named like another project\'s', { networks: { default: { name: 'drydock-6_default', ipam: {} } } }, 'networks.default.name'],
    ['a network with chosen addresses', { networks: { default: { name: 'drydock-7_default', ipam: { config: [{ subnet: '127.0.0.0/8' }] } } } }, 'networks.default.ipam'],
    ['a network driver', { networks: { default: { name: 'drydock-7_default', driver: 'macvlan' } } }, 'networks.default.driver'],
    ['an external volume', { volumes: { data: { name: 'other_data', external: true } } }, 'volumes.data.name'],
    ['a volume binding a host directory', { volumes: { data: { name: 'drydock-7_data', driver_opts: { type: 'none', o: 'bind', device: '/' } } } }, 'volumes.data.driver_opts'],
    ['a secret from the environment', { secrets: { tok: { name: 'drydock-7_tok', environment: 'GITHUB_TOKEN' } } }, 'secrets.tok.environment'],
    ['an unknown top-level key', { models: {} }, 'models'],
  ])('refuses %s at the top level', (_what, top, field) => {
    expect(refusal(model({}, top)).field).toBe(field);
  });

  it('refuses a model without sut', () => {
    const m = model();
    delete (m.services as Record<string, unknown>).sut;
    expect(refusal(m).message).toBe(`${FILE}: services.sut: missing: the sut service is the test (its exit code)`);
  });
});

describe('composeTrust', () => {
  const TRUSTED = ['github.com/acme/infra', 'git.internal:8443/ops/**'];

  it('trusts a repository DRYDOCK_TRUSTED_REPOS matches, as DRYDOCK_ALLOWED_REPOS matches (host/owner/name, case-insensitive)', () => {
    expect(composeTrust('https://GitHub.com/Acme/Infra.git', TRUSTED, false)).toEqual({ repo: 'github.com/Acme/Infra', listed: true, trusted: true });
    expect(composeTrust('https://git.internal:8443/ops/team/ci.git', TRUSTED, false).trusted).toBe(true);
  });

  it('trusts nothing else: another repository, another host, an empty list, a clone URL that does not parse', () => {
    expect(composeTrust('https://github.com/acme/infra-fork.git', TRUSTED, false)).toEqual({ repo: 'github.com/acme/infra-fork', listed: false, trusted: false });
    expect(composeTrust('https://git.internal/ops/ci.git', TRUSTED, false).trusted).toBe(false);
    expect(composeTrust('https://github.com/acme/infra.git', [], false).trusted).toBe(false);
    expect(composeTrust('acme/infra', ['**'], false).trusted).toBe(false);
  });

  it('never trusts a fork\'s build, even of a listed repository', () => {
    expect(composeTrust('https://github.com/acme/infra.git', TRUSTED, true)).toEqual({ repo: 'github.com/acme/infra', listed: true, trusted: false });
    expect(composeTrust('https://github.com/acme/infra.git', ['**'], true).trusted).toBe(false);
  });
});

describe('checkComposeModel for a trusted repository', () => {
  it('accepts what the containers are otherwise refused, and names each field trust allowed', () => {
    const m = model(
      {
        cap_add: ['NET_ADMIN'],
        devices: [{ source: '/dev/kmsg', target: '/dev/kmsg', permissions: 'rwm' }],
        network_mode: 'host',
        pid: 'host',
        restart: 'always',
        volumes: [{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', bind: { create_host_path: true } }],
        networks: undefined,
      },
      { networks: { default: { name: 'bridge', external: true } }, models: {} },
    );
    const checked = checkComposeModel(FILE, m, true);
    expect(checked.model).toBe(m);
    expect(checked.trustedFields).toEqual([
      'networks.default.name',
      'networks.default.external',
      'models',
      'services.sut.cap_add',
      'services.sut.devices',
      'services.sut.network_mode',
      'services.sut.pid',
      'services.sut.restart',
      'services.sut.volumes[0]',
      'services.sut.volumes[0].bind',
    ]);
  });

  it('names no field when the file keeps to the allow-list', () => {
    expect(checkComposeModel(FILE, model(), true).trustedFields).toEqual([]);
  });

  it.each([
    ['privileged', { privileged: true }, 'services.sut.privileged', 'never run privileged, even for a trusted repository'],
    ['security_opt', { security_opt: ['seccomp:unconfined'] }, 'services.sut.security_opt', 'no-new-privileges), even for a trusted repository'],
    ['mem_limit', { mem_limit: '100g' }, 'services.sut.mem_limit', 'even for a trusted repository'],
    ['deploy', { deploy: { resources: { limits: { memory: '100g' } } } }, 'services.sut.deploy', 'even for a trusted repository'],
    ['a build option', { image: undefined, build: { context: '/co', network: 'host' } }, 'services.sut.build.network', 'even for a trusted repository'],
    ['a drydock label', { labels: { 'drydock.build': '1' } }, 'services.sut.labels.drydock.build', 'labels under com.docker. and drydock.'],
    ['a service that builds and names its image', { image: 'alpine:3.20', build: { context: '/co/poison' } }, 'services.sut.image', 'would replace it'],
  ])('still refuses %s: the box sets it, or it reaches beyond the containers', (_what, sut, field, reason) => {
    const err = refusal(model(sut), true);
    expect(err.field).toBe(field);
    expect(err.message).toContain(reason);
  });

  it('still refuses a secret from the worker\'s environment', () => {
    const err = refusal(model({}, { secrets: { tok: { name: 'drydock-7_tok', environment: 'GITHUB_TOKEN' } } }), true);
    expect(err.message).toBe(`${FILE}: secrets.tok.environment: not allowed: secrets and configs come from files, never from the worker's environment, even for a trusted repository`);
  });
});
