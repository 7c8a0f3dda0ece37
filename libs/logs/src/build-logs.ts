/**
 * Build logs: written by the worker line by line, streamed live to readers, kept whole
 * in the LogArchive when the build ends.
 *
 * A writer masks every known secret as `***` and caps the log at the configured size
 * (the cut is marked with a line) before anything is streamed or stored. `close`
 * archives the log and ends live followers; it is idempotent, and lines after it are dropped.
 * Opening a build's log again (a retry) starts it afresh.
 * `follow` yields what is already logged, then new lines as they come, and returns when
 * the log is closed, when `build.finished` arrives for a log that is never closed (its
 * worker died), or when `signal` aborts. A build with no live log and an archived one
 * yields the archived log.
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
