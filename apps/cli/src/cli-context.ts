import { InvalidArgumentError } from 'commander';
import type { DrydockApi } from './api-client.js';
import type { CliConfig } from './cli-config.js';
import type { Terminal } from './terminal.js';

/**
 * What every command gets: the server's config and the API client (both made on first use, so
 * `lint` and `--help` need no valid DRYDOCK_URL), the environment, output streams, the exit code to end with.
 */
export interface CliContext {
  readonly config: CliConfig;
  readonly api: DrydockApi;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Terminal;
  readonly stderr: Terminal;
  exitCode: number;
}

/** Commander argument parser for build ids and counts. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return n;
}

export const printJson = (ctx: CliContext, value: unknown): void => ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
