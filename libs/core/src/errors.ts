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
  | 'infrastructure' // Docker, Redis, the database: Drydock could not run the build
  | 'unavailable'; // a service the build needs (Docker engine, registry, git host) did not answer or failed on its side (5xx, reset, refused, timeout): may pass by itself

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

/**
 * Whether a step that failed with `code` is run once more, automatically: only when something
 * outside the build failed in a way that may pass by itself (the engine unreachable, the
 * registry down after the push's own backoff, a clone's network error). Never for what the
 * repository decides (a failing test, a Dockerfile error, a config error), nor for what trying
 * again cannot change.
 */
export function retriesStep(code: ErrorCode): boolean {
  switch (code) {
    case 'unavailable':
      return true;
    case 'config_invalid':
    case 'build_failed':
    case 'test_failed':
    case 'clone_failed':
    case 'push_failed':
    case 'cancelled':
    case 'conflict':
    case 'unprocessable':
    case 'forbidden':
    case 'timeout':
    case 'not_found':
    case 'invalid_request':
    case 'infrastructure':
      return false;
    default:
      return assertUnreachable(code);
  }
}

export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof DrydockError ? err.code : 'infrastructure';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
