/**
 * Typed errors. Each carries a `code`; adapters map a code to an HTTP status,
 * a GitHub state and a log line with an exhaustive switch (see `githubStateFor`).
 */
export type ErrorCode =
  | 'config_invalid' // .drydock.yml (or another repo input) is wrong: the user's to fix
  | 'build_failed' // the Dockerfile failed
  | 'test_failed' // a test command or sut exited non-zero
  | 'clone_failed' // git could not fetch the repository or commit
  | 'push_failed' // the registry refused or is down
  | 'cancelled'
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

/** GitHub commit status state for a failed build: the user's fault is `failure`, ours is `error`. */
export function githubStateFor(code: ErrorCode): 'failure' | 'error' {
  switch (code) {
    case 'config_invalid':
    case 'build_failed':
    case 'test_failed':
      return 'failure';
    case 'clone_failed':
    case 'push_failed':
    case 'cancelled':
    case 'timeout':
    case 'not_found':
    case 'invalid_request':
    case 'infrastructure':
      return 'error';
    default:
      return assertUnreachable(code);
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
