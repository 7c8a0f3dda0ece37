import type { BuildLogWriter } from '@drydock/logs';
import type { ComposeTrust } from './compose-allow.js';

/** What every step gets besides the ports it uses: which build, where to log, when to stop. */
export interface StepContext {
  buildId: number;
  /** The run of the build (see `BuildScoped.runId`). */
  runId?: string;
  log: BuildLogWriter;
  signal: AbortSignal;
  /** Rejects unless the run still owns its build (asked of the store): called right before anything leaves the engine (a push). */
  confirmOwnership?: () => Promise<void>;
  /** Whether the build's compose test file has trusted-repository rights (see `composeTrust`); absent: it has not. */
  composeTrust?: ComposeTrust;
  /** Masks these values (build secrets) as `***` in the build's log and error from now on. */
  mask: (values: readonly string[]) => void;
}

/** The `BuildScoped` options the Docker engine takes, from a step's context. */
export const scopedTo = ({ buildId, runId, log, signal }: StepContext) => ({ buildId, runId, signal, onLog: (line: string) => log.line(line) });
