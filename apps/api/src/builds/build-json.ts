import type { Build } from '@drydock/core';

/** A build as the HTTP API shows it: the stored build, with credentials kept out of URLs. */
export function buildJson(build: Build): Build {
  return { ...build, cloneUrl: withoutCredentials(build.cloneUrl) };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
