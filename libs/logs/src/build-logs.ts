/**
 * Build logs: written by the worker line by line, streamed live to readers, kept whole
 * in the LogArchive when the build ends.
 *
 * A writer masks every known secret as `***` and caps the log at the configured size
 * (the cut is marked with a line) before anything is streamed or stored. `close`
 * archives the log and ends live followers; it is idempotent, and lines after it are dropped.
 * Opening a build's log again after it was closed starts it afresh.
 *
 * Runs: a build may be run more than once (its worker was lost, or handed it back). A writer
 * opened for a run (`run`) takes the log over at its first write unless a later attempt has
 * it: from then on a writer of an earlier attempt writes nothing at all (no line, no end, no
 * archive), so a run that lost its build never clears, ends or overwrites the new run's log.
 * A later attempt continues a log that was not closed (the earlier run's lines stay above its
 * own, and the archive holds both). `abandon` streams what was written and lets the log go
 * without ending or archiving it: a run that hands its build back, or lost it.
 * `follow` yields what is already logged, then new lines as they come, and returns when
 * the log is closed, when `build.finished` arrives for a log that is never closed (its
 * worker died), or when `signal` aborts. A build with no live log and an archived one
 * yields the archived log.
 */
export interface BuildLogs {
  /** `secrets`: values masked in this build's log on top of the configured ones (e.g. a clone token). */
  open(buildId: number, secrets?: readonly string[], run?: LogRun): BuildLogWriter;
  follow(buildId: number, signal: AbortSignal): AsyncIterable<string>;
  /** The whole log so far: the stored one, or the live one while the build runs. */
  read(buildId: number): Promise<string>;
}

export const BUILD_LOGS = Symbol('BuildLogs');

/** Which run writes: its id and attempt number (the build's claim count; a later attempt wins the log). */
export interface LogRun {
  id: string;
  attempt: number;
}

export interface BuildLogWriter {
  /** One line (a trailing newline is added); may contain several lines. */
  line(text: string): void;
  close(): Promise<void>;
  /** Streams what was written, then drops the log without ending or archiving it (the build's next run continues it). Idempotent. */
  abandon(): Promise<void>;
}
