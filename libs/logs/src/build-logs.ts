/**
 * Build logs: written by the worker line by line, streamed live to readers, stored
 * whole when the build ends.
 *
 * A writer masks every known secret as `***` and caps the log at the configured size
 * (the cut is marked with a line) before anything is streamed or stored. `close`
 * stores the log with the build and ends live followers; it is idempotent.
 * `follow` yields what is already logged, then new lines as they come, and returns
 * when the build's log is closed (or the build is found finished) or `signal` aborts.
 */
export interface BuildLogs {
  /** `secrets`: values masked in this build's log on top of the configured ones (e.g. a clone token). */
  open(buildId: number, secrets?: readonly string[]): BuildLogWriter;
  follow(buildId: number, signal: AbortSignal): AsyncIterable<string>;
  /** The whole log so far: the stored one, or the live one while the build runs. */
  read(buildId: number): Promise<string>;
}

export const BUILD_LOGS = Symbol('BuildLogs');

export interface BuildLogWriter {
  /** One line (a trailing newline is added); may contain several lines. */
  line(text: string): void;
  close(): Promise<void>;
}
