import type { TestLimits } from '@drydock/config';
import type { ComposeModel } from './docker-engine.js';

/**
 * The box every test container runs in, `test:` commands and compose services alike: memory
 * (without swap), CPU and process limits, `no-new-privileges`, never privileged, and Docker's
 * default capabilities less those a test has no use for (raw sockets, device nodes, audit
 * writes, file capabilities). No devices, host namespaces or bind mounts are ever asked for
 * (compose files that ask are refused before they get here).
 */
export const DROPPED_CAPABILITIES = ['NET_RAW', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP'] as const;

export const DEFAULT_TEST_LIMITS: TestLimits = { memoryBytes: 2 * 1024 ** 3, cpus: 2, pids: 1024 };

/** `docker run` options of the box. */
export function testContainerArgs(limits: TestLimits): string[] {
  const memory = String(limits.memoryBytes);
  return [
    ...['--memory', memory, '--memory-swap', memory, '--cpus', String(limits.cpus), '--pids-limit', String(limits.pids)],
    ...['--security-opt', 'no-new-privileges', '--privileged=false'],
    ...DROPPED_CAPABILITIES.flatMap((cap) => ['--cap-drop', cap]),
  ];
}

export interface BoxedProject {
  /** The compose project name (`-p`). */
  project: string;
  buildId: number;
  limits: TestLimits;
  /** Names the images the project's services build (`<prefix>-<n>:test`): unguessable, so no other build can use them. */
  builtImagePrefix: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A checked compose model (as `docker compose config --format json` resolved it) with the
 * box put on every service: the limits, no-new-privileges, the dropped capabilities,
 * `privileged: false` and the `drydock.build` label on its containers and built images, so
 * `removeBuildResources` finds them. A service that builds gets an unguessable image name.
 */
export function boxComposeModel(model: ComposeModel, box: BoxedProject): ComposeModel {
  const memory = String(box.limits.memoryBytes);
  const label = { 'drydock.build': String(box.buildId) };
  const services: Record<string, Json> = {};
  Object.entries(model.services).forEach(([name, service], index) => {
    const capDrop = Array.isArray(service.cap_drop) ? service.cap_drop.filter((c) => typeof c === 'string') : [];
    const boxed: Json = {
      ...service,
      mem_limit: memory,
      memswap_limit: memory,
      cpus: box.limits.cpus,
      pids_limit: box.limits.pids,
      privileged: false,
      security_opt: ['no-new-privileges:true'],
      cap_drop: [...new Set([...capDrop, ...DROPPED_CAPABILITIES])],
      labels: { ...(isObject(service.labels) ? service.labels : {}), ...label },
    };
    if (isObject(service.build)) {
      boxed.build = { ...service.build, labels: { ...(isObject(service.build.labels) ? service.build.labels : {}), ...label } };
      boxed.image = `${box.builtImagePrefix}-${index}:test`;
    }
    services[name] = boxed;
  });
  return { ...model, name: box.project, services };
}
