import type { BuildLogWriter } from '@drydock/logs';

/** What every step gets besides the ports it uses: which build, where to log, when to stop. */
export interface StepContext {
  buildId: number;
  log: BuildLogWriter;
  signal: AbortSignal;
}

/** The `BuildScoped` options the Docker engine takes, from a step's context. */
export const scopedTo = ({ buildId, log, signal }: StepContext) => ({ buildId, signal, onLog: (line: string) => log.line(line) });
