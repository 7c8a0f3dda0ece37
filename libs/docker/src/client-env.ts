/**
 * What every docker and docker compose process is given as its environment: enough to find
 * its plugins, its config (registry logins) and the engine, and nothing else of the worker's.
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
