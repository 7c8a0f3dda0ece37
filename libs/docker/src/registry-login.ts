import { DrydockError } from '@drydock/core';
import type { AppConfig } from '@drydock/config';
import { registryProblem } from './docker-output.js';
import type { CommandResult } from './run-command.js';

type Docker = (args: string[], input: string) => Promise<CommandResult>;

/**
 * `docker login` to the configured registry, once, the first time it is needed.
 * The password goes through stdin, never argv. A failed login is retried next time: it rejects
 * `unavailable` when the registry failed on its side (see `registryProblem`), `push_failed` when
 * it refused. Without credentials it does nothing.
 */
export function registryLogin(registry: AppConfig['registry'], docker: Docker): () => Promise<void> {
  const { username, password } = registry;
  const host = registry.host.split('/')[0];
  let done: Promise<void> | null = null;
  const login = async () => {
    const result = await docker(['login', '--username', username ?? '', '--password-stdin', host], password ?? '');
    if (result.exitCode !== 0) {
      const problem = registryProblem(result.lines);
      throw new DrydockError(problem.transient ? 'unavailable' : 'push_failed', `docker login to ${host} as ${username} failed: ${problem.message}`);
    }
  };
  return () => {
    if (!username || !password) return Promise.resolve();
    done ??= login().catch((err: unknown) => {
      done = null;
      throw err;
    });
    return done;
  };
}
