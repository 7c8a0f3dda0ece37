import { describe, expect, it } from '@jest/globals';
import type { ErrorCode } from './errors.js';
import { commitStateOf, viewOf } from './outcome-policy.js';

describe('viewOf: the one outcome policy', () => {
  // code (- for success): build status, step status, steps never started, GitHub state
  const table = `
    -               success    success    skipped    success
    config_invalid  failure    failure    skipped    failure
    build_failed    failure    failure    skipped    failure
    test_failed     failure    failure    skipped    failure
    clone_failed    error      error      skipped    error
    push_failed     error      error      skipped    error
    timeout         error      error      skipped    error
    infrastructure  error      error      skipped    error
    unavailable     error      error      skipped    error
    not_found       error      error      skipped    error
    invalid_request error      error      skipped    error
    conflict        error      error      skipped    error
    unprocessable   error      error      skipped    error
    forbidden       error      error      skipped    error
    cancelled       cancelled  cancelled  cancelled  error`
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/));

  it.each(table)('%s -> build %s, step %s, open steps %s, GitHub %s', (code, status, stepStatus, openStepStatus, state) => {
    const view = viewOf({ code: code === '-' ? null : (code as ErrorCode), message: 'what happened' });
    expect(view).toMatchObject({ status, stepStatus, openStepStatus, state });
  });

  it('describes a failure with its message, and a cancel as "Cancelled" whatever the message', () => {
    expect(viewOf({ code: 'test_failed', message: 'Test failed: "make" exited with 2' })).toMatchObject({
      description: 'Test failed: "make" exited with 2',
      logLine: '[drydock] build failed: Test failed: "make" exited with 2',
    });
    expect(viewOf({ code: 'cancelled', message: 'aborted by signal' })).toMatchObject({ description: 'Cancelled', logLine: '[drydock] build cancelled' });
    expect(viewOf({ code: null, message: 'Pushed r/x:sha-1234567' }).description).toBe('Pushed r/x:sha-1234567');
  });

  it('tells GitHub pending for unfinished builds and error for cancelled ones', () => {
    expect(['queued', 'running', 'success', 'failure', 'error', 'cancelled'].map((s) => commitStateOf(s as never))).toEqual([
      'pending',
      'pending',
      'success',
      'failure',
      'error',
      'error',
    ]);
  });
});
