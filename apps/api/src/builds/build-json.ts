import { maskSecrets, withoutCredentials, type Build } from '@drydock/core';

/** A build as the HTTP API shows it: credentials kept out of URLs, secrets (AppConfig.secrets) masked in its error. */
export function buildJson(build: Build, secrets: readonly string[]): Build {
  return { ...build, cloneUrl: withoutCredentials(build.cloneUrl), error: build.error === null ? null : maskSecrets(build.error, secrets) };
}
