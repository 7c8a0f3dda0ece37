import path from 'node:path';

/** A host path a compose file names, with the field that names it (`services.sut.build.context`). */
export interface ComposePath {
  field: string;
  path: string;
  /** `context`: a build context (walked for symlinks); `file`: read by compose or the build; `bind`: mounted into a container. */
  kind: 'context' | 'file' | 'bind';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
/** Remote contexts (git, https, other images or stages) are not host paths. */
const isRemote = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^(git@|target:|service:)/.test(value);

/**
 * The files compose reads while resolving a compose file, as written (relative to the file's
 * directory): `include`, `env_file` and `extends.file`. They are checked before compose runs.
 */
export function composeFilesRead(raw: unknown): ComposePath[] {
  if (!isObject(raw)) return [];
  const found: ComposePath[] = [];
  const includes = Array.isArray(raw.include) ? raw.include : raw.include === undefined ? [] : [raw.include];
  includes.forEach((entry, i) => {
    const item: Json = isObject(entry) ? entry : { path: entry };
    for (const p of strings(item.path)) found.push({ field: `include[${i}].path`, path: p, kind: 'file' });
    for (const p of strings(item.env_file)) found.push({ field: `include[${i}].env_file`, path: p, kind: 'file' });
    if (typeof item.project_directory === 'string') found.push({ field: `include[${i}].project_directory`, path: item.project_directory, kind: 'context' });
  });
  for (const [name, service] of Object.entries(isObject(raw.services) ? raw.services : {})) {
    if (!isObject(service)) continue;
    const envFiles = Array.isArray(service.env_file) ? service.env_file : [service.env_file];
    for (const entry of envFiles) {
      for (const p of strings(isObject(entry) ? entry.path : entry)) found.push({ field: `services.${name}.env_file`, path: p, kind: 'file' });
    }
    if (isObject(service.extends)) {
      for (const p of strings(service.extends.file)) found.push({ field: `services.${name}.extends.file`, path: p, kind: 'file' });
    }
  }
  return found;
}

/**
 * The host paths of a model `docker compose config --format json` resolved (paths absolute):
 * build contexts, Dockerfiles, additional contexts, bind-mount sources, env files, and the
 * files of top-level secrets and configs. A local volume that binds a host device is listed as a bind.
 */
export function composeModelPaths(model: unknown): ComposePath[] {
  if (!isObject(model)) return [];
  const found: ComposePath[] = [];
  for (const [name, service] of Object.entries(isObject(model.services) ? model.services : {})) {
    if (!isObject(service)) continue;
    const field = (f: string) => `services.${name}.${f}`;
    if (isObject(service.build) && typeof service.build.context === 'string' && !isRemote(service.build.context)) {
      const context = service.build.context;
      found.push({ field: field('build.context'), path: context, kind: 'context' });
      for (const p of strings(service.build.dockerfile)) found.push({ field: field('build.dockerfile'), path: path.resolve(context, p), kind: 'file' });
      for (const [key, p] of Object.entries(isObject(service.build.additional_contexts) ? service.build.additional_contexts : {})) {
        if (typeof p === 'string' && !isRemote(p)) found.push({ field: field(`build.additional_contexts.${key}`), path: path.resolve(context, p), kind: 'context' });
      }
    }
    for (const entry of Array.isArray(service.env_file) ? service.env_file : []) {
      for (const p of strings(isObject(entry) ? entry.path : entry)) found.push({ field: field('env_file'), path: p, kind: 'file' });
    }
    (Array.isArray(service.volumes) ? service.volumes : []).forEach((volume, i) => {
      if (isObject(volume) && volume.type === 'bind' && typeof volume.source === 'string') found.push({ field: field(`volumes[${i}].source`), path: volume.source, kind: 'bind' });
    });
  }
  for (const top of ['secrets', 'configs'] as const) {
    for (const [name, entry] of Object.entries(isObject(model[top]) ? model[top] : {})) {
      if (isObject(entry) && typeof entry.file === 'string') found.push({ field: `${top}.${name}.file`, path: entry.file, kind: 'bind' });
    }
  }
  for (const [name, volume] of Object.entries(isObject(model.volumes) ? model.volumes : {})) {
    const options = isObject(volume) && isObject(volume.driver_opts) ? volume.driver_opts : {};
    if (typeof options.device === 'string') found.push({ field: `volumes.${name}.driver_opts.device`, path: options.device, kind: 'bind' });
  }
  return found;
}

/** The first path (absolute, or relative to `base`) that lies outside `root` lexically, if any. */
export function firstOutside(root: string, base: string, paths: readonly ComposePath[]): ComposePath | undefined {
  return paths.find((p) => {
    const relative = path.relative(root, path.resolve(base, p.path));
    return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  });
}

/** Every variable a raw compose file interpolates (`$NAME`, `${NAME…}`; `$$` is a literal dollar), with the field it is in. */
export function composeVariables(raw: unknown, field = ''): Array<{ field: string; name: string }> {
  if (typeof raw === 'string') {
    return [...raw.matchAll(/\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)]
      .map((m) => m[1] ?? m[2])
      .filter((name): name is string => name !== undefined)
      .map((name) => ({ field, name }));
  }
  if (Array.isArray(raw)) return raw.flatMap((item, i) => composeVariables(item, `${field}[${i}]`));
  if (isObject(raw)) return Object.entries(raw).flatMap(([key, value]) => composeVariables(value, field ? `${field}.${key}` : key));
  return [];
}
