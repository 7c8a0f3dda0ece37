import pRetry from 'p-retry';
import { DrydockError } from '@drydock/core';

/** How a push or pull is tried again while the registry has a problem that may pass: `attempts` in all, the first pause `firstDelayMs`, each next one twice as long. */
export interface RegistryRetry {
  attempts: number;
  firstDelayMs: number;
}

/**
 * 5 attempts with 1 + 2 + 4 + 8 = 15 s of pauses between them. Within one attempt docker itself
 * tries a failing layer upload again for up to 50 s; a registry that fails the first request, or
 * the manifest, fails the attempt at once.
 */
export const DEFAULT_REGISTRY_RETRY: RegistryRetry = { attempts: 5, firstDelayMs: 1000 };

export interface RegistryRetryOptions {
  signal: AbortSignal;
  /** Told each retry: `push of X failed: <the registry's message>; retrying in 2s (attempt 3 of 5)`. */
  onLog: (line: string) => void;
  retry?: RegistryRetry;
}

/**
 * Runs `attempt` (a push or pull, with its login) until it resolves. An attempt that rejects
 * `unavailable` (the registry failed on its side, see `registryProblem`) is tried again after a
 * pause, said on `onLog`; once `retry.attempts` have, it rejects `unavailable` with the last
 * attempt's message (the registry's own) and how many were made. Any other rejection (the
 * registry refused: 401, denied…) ends it at once. Aborting `signal` rejects `cancelled`, also
 * during a pause.
 */
export async function withRegistryRetries<T>(attempt: () => Promise<T>, options: RegistryRetryOptions): Promise<T> {
  const { attempts, firstDelayMs } = options.retry ?? DEFAULT_REGISTRY_RETRY;
  let made = 0;
  try {
    return await pRetry(
      () => {
        made++;
        return attempt();
      },
      {
        retries: attempts - 1,
        minTimeout: firstDelayMs,
        factor: 2,
        randomize: false,
        signal: options.signal,
        shouldRetry: ({ error, attemptNumber, retryDelay }) => {
          if (!(error instanceof DrydockError) || error.code !== 'unavailable') return false;
          options.onLog(`${error.message}; retrying in ${seconds(retryDelay)} (attempt ${attemptNumber + 1} of ${attempts})`);
          return true;
        },
      },
    );
  } catch (err) {
    if (options.signal.aborted) throw new DrydockError('cancelled', 'cancelled', { cause: err });
    if (err instanceof DrydockError && err.code === 'unavailable' && made > 1) throw new DrydockError('unavailable', `${err.message} (${made} attempts)`, { cause: err });
    throw err;
  }
}

/** 1000 -> `1s`, 500 -> `0.5s` */
const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))}s`;
