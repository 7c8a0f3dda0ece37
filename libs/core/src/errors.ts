/**
 * Typed errors. Each carries a `code`; what a code means for a build (status, step status,
 * GitHub state, description) is decided in one place, `outcome-policy.ts`; the API maps a
 * code to an HTTP status with its own exhaustive switch.
 */
export type ErrorCode =
  | 'config_invalid' // .drydock.yml (or another repo input) is wrong: the user's to fix
  | 'build_failed' // the Dockerfile failed
  | 'test_failed' // a test command or sut exited non-zero
  | 'clone_failed' // git could not fetch the repository or commit
  | 'push_failed' // the registry refused or is down
  | 'cancelled'
  | 'conflict' // the request does not fit the build's state (e.g. cancelling a finished build)
  | 'unprocessable' // the request is well-formed but names something that does not fit (a sha not on its ref)
  | 'forbidden' // the caller may not ask for this (a repository outside what manual builds may clone)
  | 'timeout'
  | 'not_found'
  | 'invalid_request'
  | 'infrastructure'; // Docker, Redis, the database: Drydock could not run the build

export class DrydockError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DrydockError';
  }
}

/** A `.drydock.yml` problem, naming the file and the field (`images[0].test`). */
export class ConfigError extends DrydockError {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super('config_invalid', `${file}: ${field ? `${field}: ` : ''}${problem}`);
    this.name = 'ConfigError';
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof DrydockError ? err.code : 'infrastructure';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
