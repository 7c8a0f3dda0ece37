import { maskSecrets, withoutCredentials, type Build } from '@drydock/core';

/** A build as the HTTP API shows it, with how long it waited in the queue (ms; null until it starts). */
export type BuildJson = Build & { queueWaitMs: number | null };

/** A build as the HTTP API shows it: credentials kept out of URLs, secrets (AppConfig.secrets) masked in its error. */
export function buildJson(build: Build, secrets: readonly string[]): BuildJson {
  return {
    ...build,
    cloneUrl: withoutCredentials(build.cloneUrl),
    error: build.error === null ? null : maskSecrets(build.error, secrets),
    queueWaitMs: build.startedAt ? Math.max(0, Date.parse(build.startedAt) - Date.parse(build.createdAt)) : null,
  };
}
