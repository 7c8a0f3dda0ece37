import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Jest global teardown: gives up this run's lease on the test services (see global-setup.ts);
 * the last run to leave stops what scripts/services.sh started and empties their scratch dir.
 * DRYDOCK_TEST_KEEP_SERVICES=1 keeps them running for fast re-runs (the next setup reuses them).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const servicesDir = process.env.DRYDOCK_TEST_SERVICES_DIR ?? '/var/lib/drydock-test';

export default async function globalTeardown(): Promise<void> {
  if (process.env.DRYDOCK_TEST_KEEP_SERVICES === '1') return;
  const args = ['release', '--data-dir', servicesDir, String(process.pid)];
  try {
    await promisify(execFile)('bash', [path.join(repoRoot, 'scripts', 'services.sh'), ...args], { cwd: repoRoot });
  } catch (err) {
    const { stderr = '' } = err as { stderr?: string };
    throw new Error(`scripts/services.sh ${args.join(' ')} failed:\n${stderr}`, { cause: err });
  }
}
