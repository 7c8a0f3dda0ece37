import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { DrydockError } from '@drydock/core';
import type { ComposeTestOptions } from '@drydock/docker';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What `docker compose config --format json` makes of a compose file, for the fields the
 * pipeline checks: the project's `name` (`drydock-<buildId>`), `${DRYDOCK_IMAGE}` interpolated,
 * `build` as an object with its context absolute, short volume syntax as `{ type, source, target }`
 * with bind sources absolute, `env_file` and `extends` dropped (compose merges them), top-level
 * networks and volumes named `<project>_<key>` unless they name themselves. Rejects
 * `config_invalid` on bad YAML.
 */
export async function fakeComposeConfig(o: ComposeTestOptions): Promise<unknown> {
  let raw: unknown;
  try {
    raw = parse((await readFile(o.composeFile, 'utf8')).replaceAll('${DRYDOCK_IMAGE}', o.image));
  } catch (err) {
    throw new DrydockError('config_invalid', `${o.composeFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(raw) || !isObject(raw.services)) throw new DrydockError('config_invalid', `${o.composeFile}: services must be a mapping`);
  const services: Json = {};
  for (const [name, service] of Object.entries(raw.services)) {
    if (!isObject(service)) continue;
    const { env_file: _envFile, extends: _extends, build, volumes, ...rest } = service;
    services[name] = {
      ...rest,
      ...(build === undefined ? {} : { build: buildOf(o.projectDir, build) }),
      ...(Array.isArray(volumes) ? { volumes: volumes.map((v) => volumeOf(o.projectDir, v)) } : {}),
    };
  }
  const project = `drydock-${o.buildId}`;
  const named = (entries: unknown) =>
    Object.fromEntries(Object.entries(isObject(entries) ? entries : {}).map(([key, value]) => [key, { name: `${project}_${key}`, ...(isObject(value) ? value : {}) }]));
  const { version: _version, ...rest } = raw;
  return {
    ...rest,
    name: project,
    services,
    ...(raw.networks === undefined ? {} : { networks: named(raw.networks) }),
    ...(raw.volumes === undefined ? {} : { volumes: named(raw.volumes) }),
  };
}

function buildOf(projectDir: string, build: unknown): Json {
  const object = typeof build === 'string' ? { context: build } : isObject(build) ? build : {};
  return { ...object, context: path.resolve(projectDir, typeof object.context === 'string' ? object.context : '.') };
}

function volumeOf(projectDir: string, volume: unknown): unknown {
  if (isObject(volume)) return volume.type === 'bind' && typeof volume.source === 'string' ? { ...volume, source: path.resolve(projectDir, volume.source) } : volume;
  if (typeof volume !== 'string') return volume;
  const [source, target] = volume.split(':');
  if (target === undefined) return { type: 'volume', target: source };
  const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  return bind ? { type: 'bind', source: path.resolve(projectDir, source), target } : { type: 'volume', source, target };
}
