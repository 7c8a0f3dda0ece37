import { DrydockError } from '@drydock/core';

/** The DrydockError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<DrydockError> {
  const err = await promise.then(
    () => new Error('expected a rejection, but the promise resolved'),
    (e: unknown) => e,
  );
  if (!(err instanceof DrydockError)) throw err instanceof Error ? err : new Error(String(err));
  return err;
}
