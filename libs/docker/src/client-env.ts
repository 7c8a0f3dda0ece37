import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

/**
 * What every docker and docker compose process is given as its environment: enough to find
 * its plugins, its config and the engine, and nothing else of the worker's.
 * Compose interpolates `${VAR}` and passes `environment: [VAR]` through from this environment,
 * so no server secret (GITHUB_TOKEN, DATABASE_URL, …) may be in it.
 */
const INHERITED = ['PATH', 'HOME', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'BUILDX_CONFIG', 'TMPDIR', 'LANG'] as const;

export function dockerClientEnv(dockerHost: string | undefined, parentEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = parentEnv[key];
    if (value !== undefined) env[key] = value;
  }
  if (dockerHost) env.DOCKER_HOST = dockerHost;
  return env;
}

/** Two DOCKER_CONFIG directories: `login` holds the registry login, `build` no credential at all. */
export interface DockerClientConfigs {
  login: string;
  build: string;
}

/**
 * The docker client configs of a CliDockerEngine, made under `dir` (mode 0700) unless there:
 * `login/` is for `docker login` and `docker push` only, `build/` for everything else
 * (`buildx build`, `compose`, `run`), so that what a build pulls (`FROM <registry>/<any
 * repository>`, a compose service's image) it pulls without the worker's credentials. Both list
 * the worker's own CLI plugins (`<DOCKER_CONFIG or ~/.docker>/cli-plugins`) in `cliPluginsExtraDirs`;
 * the system's (/usr/libexec/docker/cli-plugins: buildx, compose) are found anyway.
 * Without `dir`: a temporary directory of this process's, deleted when it exits.
 */
export function dockerClientConfigs(dir: string | undefined, parentEnv: NodeJS.ProcessEnv = process.env): DockerClientConfigs {
  const root = dir ?? processTempDir();
  const ownPlugins = path.join(parentEnv.DOCKER_CONFIG ?? path.join(parentEnv.HOME ?? homedir(), '.docker'), 'cli-plugins');
  const config = `${JSON.stringify(existsSync(ownPlugins) ? { cliPluginsExtraDirs: [ownPlugins] } : {})}\n`;
  const configs = { login: path.join(root, 'login'), build: path.join(root, 'build') };
  for (const configDir of [root, configs.login, configs.build]) {
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    chmodSync(configDir, 0o700);
  }
  for (const configDir of [configs.login, configs.build]) {
    // Made once: `docker login` adds the login to it, which another engine of this worker may be using.
    if (!existsSync(path.join(configDir, 'config.json'))) writeFileSync(path.join(configDir, 'config.json'), config, { mode: 0o600 });
  }
  return configs;
}

let tempDir: string | undefined;

function processTempDir(): string {
  if (!tempDir) {
    const made = mkdtempSync(path.join(tmpdir(), 'drydock-docker-client-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    tempDir = made;
  }
  return tempDir;
}
