import { DrydockError } from '@drydock/core';
import type { ComposeTestOptions } from './docker-engine.js';
import { closingLines } from './docker-output.js';
import { runCommand } from './run-command.js';

/** How long `docker compose config` may take: it only reads files, which were checked before. */
export const COMPOSE_CONFIG_TIMEOUT_MS = 60_000;

/**
 * The compose file's model as compose itself resolves it (`docker compose config --format
 * json`): interpolated, extends merged, relative paths made absolute against `projectDir`.
 * Starts nothing. Rejects `config_invalid` when compose refuses the file or takes longer
 * than `COMPOSE_CONFIG_TIMEOUT_MS`, `cancelled` when `signal` aborts.
 */
export async function composeConfig(dockerCli: string, env: NodeJS.ProcessEnv, o: ComposeTestOptions): Promise<unknown> {
  if (o.signal.aborted) throw new DrydockError('cancelled', 'cancelled');
  const timeout = AbortSignal.timeout(COMPOSE_CONFIG_TIMEOUT_MS);
  const args = ['compose', '-p', `drydock-${o.buildId}`, '-f', o.composeFile, '--project-directory', o.projectDir, 'config', '--format', 'json'];
  const result = await runCommand(dockerCli, args, {
    env: { ...env, DRYDOCK_IMAGE: o.image },
    cwd: o.projectDir,
    signal: AbortSignal.any([o.signal, timeout]),
    captureStdout: true,
    keepLines: 20,
  });
  if (result.aborted && o.signal.aborted) throw new DrydockError('cancelled', 'cancelled');
  if (result.aborted) throw new DrydockError('config_invalid', `${o.composeFile}: docker compose config took longer than ${COMPOSE_CONFIG_TIMEOUT_MS / 1000} s`);
  if (result.exitCode !== 0) throw new DrydockError('config_invalid', `${o.composeFile}: ${closingLines(result.lines.filter((l) => !l.startsWith('{')))}`);
  try {
    return JSON.parse(result.stdout) as unknown;
  } catch (err) {
    throw new DrydockError('infrastructure', `docker compose config printed no JSON model: ${closingLines(result.lines)}`, { cause: err });
  }
}
