import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve, sep } from 'node:path';

/** Where `npm run build` puts the dashboard: dist/dashboard, beside dist/apps. */
export const DASHBOARD_DIR = resolve(fileURLToPath(new URL('../../../../dashboard/', import.meta.url)));

/**
 * The absolute path of a built dashboard file, or undefined when it does not exist or the
 * name tries to leave the dashboard folder (the name comes from the URL: hostile).
 */
export function dashboardAsset(name: string, root = DASHBOARD_DIR): string | undefined {
  if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.split('/').some((part) => part === '..' || part === '')) return undefined;
  const path = resolve(join(root, name));
  if (!path.startsWith(root + sep)) return undefined;
  return existsSync(path) && statSync(path).isFile() ? path : undefined;
}
