import { readFileSync } from 'node:fs';

/** The package's version, from the package.json beside `dist/` (main.js is dist/apps/cli/src/main.js); `unknown` when it says none. */
export function cliVersion(): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8'));
    const version = manifest && typeof manifest === 'object' && 'version' in manifest ? manifest.version : undefined;
    return typeof version === 'string' && version ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
