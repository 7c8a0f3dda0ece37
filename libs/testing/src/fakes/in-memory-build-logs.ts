import { maskPrepared, secretsToMask } from '@drydock/core';
import type { BuildEvents } from '@drydock/events';
import {
  CappedLog,
  joinLines,
  splitLines,
  type BuildLogs,
  type BuildLogWriter,
  type LogArchive,
  type LogRun,
} from '@drydock/logs';

/** A LogArchive in a Map. */
export class InMemoryLogArchive implements LogArchive {
  private readonly logs = new Map<number, string>();

  async save(buildId: number, text: string): Promise<void> {
    this.logs.set(buildId, text);
  }

  async read(buildId: number): Promise<string | undefined> {
    return this.logs.get(buildId);
  }
}

export interface InMemoryBuildLogsOptions {
  /** Masked in every log, as AppConfig.secrets. */
  secrets?: readonly string[];
  maxBytes?: number;
  /** Where `close` keeps the log; a fresh InMemoryLogArchive by default. */
  archive?: LogArchive;
  /** When given, a follow also ends on `build.finished` for a log never closed. */
  events?: BuildEvents;
}

/** A build's log: its lines (every run's section), whether it was closed, and which run wrote last. */
interface Run {
  lines: string[];
  closed: boolean;
  owner: LogRun;
}

/**
 * BuildLogs in memory, masking and capping as RedisBuildLogs does (the same log-text rules),
 * and fencing writers on their run as it does (a writer of an earlier attempt writes nothing).
 * For tests: `lines`/`text` give what a build logged so far, `isClosed` whether its writer closed.
 */
export class InMemoryBuildLogs implements BuildLogs {
  readonly archive: LogArchive;
  private readonly runs = new Map<number, Run>();
  private readonly waiting = new Set<() => void>();
  private anonymous = 0;

  constructor(private readonly options: InMemoryBuildLogsOptions = {}) {
    this.archive = options.archive ?? new InMemoryLogArchive();
  }

  open(buildId: number, secrets: readonly string[] = [], run: LogRun = { id: `anonymous-${++this.anonymous}`, attempt: 0 }): BuildLogWriter {
    const log = new CappedLog(this.options.maxBytes ?? 5 * 1024 * 1024);
    const masked = secretsToMask([...(this.options.secrets ?? []), ...secrets]);
    let closing: Promise<void> | undefined;
    let fencedOut = false;
    /** The build's log if this writer may write it, taking it over as RedisLogWriter's script does. */
    const take = (): Run | undefined => {
      const current = this.runs.get(buildId);
      if (fencedOut || (current && current.owner !== run && current.owner.attempt > run.attempt)) {
        fencedOut = true;
        return undefined;
      }
      if (current && !current.closed) {
        current.owner = run; // a later run continues an unclosed log
        return current;
      }
      const fresh: Run = { lines: [], closed: false, owner: run };
      this.runs.set(buildId, fresh);
      return fresh;
    };
    return {
      line: (text) => {
        if (closing) return;
        const added = text.split('\n').flatMap((line) => log.add(maskPrepared(line.replace(/\r$/, ''), masked)));
        const target = take();
        if (!target) return;
        target.lines.push(...added);
        this.changed();
      },
      close: () => {
        closing ??= (async () => {
          const target = take();
          if (!target) return;
          await this.archive.save(buildId, joinLines(target.lines)).finally(() => {
            target.closed = true;
            this.changed();
          });
        })();
        return closing;
      },
      abandon: () => {
        closing ??= Promise.resolve();
        return closing;
      },
    };
  }

  async *follow(buildId: number, signal: AbortSignal): AsyncIterable<string> {
    let finished = false;
    const unsubscribe = await this.options.events?.subscribe((event) => {
      if (event.type === 'build.finished' && event.buildId === buildId) {
        finished = true;
        this.changed();
      }
    });
    try {
      if (!this.runs.has(buildId)) {
        const archived = await this.archive.read(buildId);
        if (archived !== undefined) return yield* splitLines(archived);
      }
      let run: Run | undefined;
      let seen = 0;
      while (!signal.aborted) {
        const current = this.runs.get(buildId);
        if (current !== run) [run, seen] = [current, 0]; // opened (again)
        while (run && seen < run.lines.length) yield run.lines[seen++];
        if (run?.closed) return;
        if (finished) {
          if (!run) yield* splitLines((await this.archive.read(buildId)) ?? '');
          return;
        }
        await this.nextChange(signal);
      }
    } finally {
      await unsubscribe?.();
    }
  }

  async read(buildId: number): Promise<string> {
    const run = this.runs.get(buildId);
    if (run && !run.closed) return joinLines(run.lines);
    return (await this.archive.read(buildId)) ?? joinLines(run?.lines ?? []);
  }

  /** The lines of the build's latest log, masked and capped. */
  lines(buildId: number): string[] {
    return [...(this.runs.get(buildId)?.lines ?? [])];
  }

  /** The build's latest log as text (each line ends with a newline); '' if it was never opened. */
  text(buildId: number): string {
    return joinLines(this.lines(buildId));
  }

  /** True once the build's latest writer closed (its log is archived). */
  isClosed(buildId: number): boolean {
    return this.runs.get(buildId)?.closed ?? false;
  }

  private changed(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiting.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiting.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}
