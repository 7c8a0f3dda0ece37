import type { BuildStatus, StepStatus } from './build.js';
import { assertUnreachable, type ErrorCode } from './errors.js';

/** The state of a commit status (or, in GitHub App mode, a check run's conclusion). */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** How a build ended, as one value: the error code (null for success) and what it says. */
export interface Outcome {
  code: ErrorCode | null;
  message: string;
}

/** What an outcome means everywhere it shows. */
export interface OutcomeView {
  /** The build's final status. */
  status: BuildStatus;
  /** The status of the step that was running when it happened. */
  stepStatus: StepStatus;
  /** Steps that never started. */
  openStepStatus: StepStatus;
  /** What GitHub is told. */
  state: CommitState;
  /** The status description and the build's `error`. */
  description: string;
  /** The line that closes the build's log. */
  logLine: string;
}

/**
 * The one rule from an outcome to build status, step status, GitHub state and description:
 * the user's fault (their Dockerfile, tests or `.drydock.yml`) is `failure`; anything that
 * kept Drydock from running the build is `error`; a cancel is `cancelled` and shows as `error`.
 */
export function viewOf({ code, message }: Outcome): OutcomeView {
  if (code === null) return { status: 'success', stepStatus: 'success', openStepStatus: 'skipped', state: 'success', description: message, logLine: `[drydock] ${message}` };
  const failed = (status: 'failure' | 'error'): OutcomeView => ({
    status,
    stepStatus: status,
    openStepStatus: 'skipped',
    state: status,
    description: message,
    logLine: `[drydock] build failed: ${message}`,
  });
  switch (code) {
    case 'config_invalid':
    case 'build_failed':
    case 'test_failed':
      return failed('failure');
    case 'cancelled':
      return { status: 'cancelled', stepStatus: 'cancelled', openStepStatus: 'cancelled', state: 'error', description: 'Cancelled', logLine: '[drydock] build cancelled' };
    case 'clone_failed':
    case 'push_failed':
    case 'timeout':
    case 'infrastructure':
    case 'unavailable':
    case 'not_found':
    case 'invalid_request':
    case 'conflict':
    case 'unprocessable':
    case 'forbidden':
      return failed('error');
    default:
      return assertUnreachable(code);
  }
}

/** What GitHub is told about a build in this status. */
export function commitStateOf(status: BuildStatus): CommitState {
  switch (status) {
    case 'blocked':
    case 'queued':
    case 'running':
      return 'pending';
    case 'success':
    case 'failure':
    case 'error':
      return status;
    case 'cancelled':
      return 'error';
    default:
      return assertUnreachable(status);
  }
}
