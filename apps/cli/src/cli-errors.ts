import { CommanderError } from 'commander';
import { DrydockError, type ErrorCode } from '@drydock/core';

/** Exit codes, documented in `drydock --help`. */
export const EXIT = {
  ok: 0,
  /** The build did not succeed, or the server refused the request. */
  failed: 1,
  unreachable: 2,
  /** `drydock lint`: the config (or the compose test file) is invalid. */
  invalidConfig: 3,
  /** The server refused the token: 401 (none, or not the server's) or 403 (not allowed). */
  auth: 4,
  usage: 64,
} as const;

/** No HTTP answer at all: connection refused, DNS, timeout, dropped stream. */
export class UnreachableError extends DrydockError {
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super('infrastructure', `cannot reach Drydock at ${url}: ${reason}`, options);
    this.name = 'UnreachableError';
  }
}

/** The server answered with an error status; `message` is already phrased for the user. */
export class ApiError extends DrydockError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** A bad command line or environment, found before any request. */
export class UsageError extends DrydockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_request', message, options);
    this.name = 'UsageError';
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return EXIT.auth;
  return EXIT.failed;
}
