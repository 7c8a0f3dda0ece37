import { spawn } from 'node:child_process';
import { DrydockError } from '@drydock/core';
import { LineSplitter } from './line-splitter.js';

/** `captureStdout` keeps at most this much; commands whose answer is their output answer briefly. */
const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

export interface RunCommandOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Killing the process (SIGKILL) is how a call is cancelled. */
  signal?: AbortSignal;
  /** Every line of stdout and stderr, as it comes; a line over 64 KiB is cut and the cut marked (see `LineSplitter`). */
  onLine?: (line: string) => void;
  /** How many of the last lines to keep for error messages. */
  keepLines?: number;
  /** Keep stdout in `stdout` (for commands whose answer is their output), up to 16 MiB. */
  captureStdout?: boolean;
}

export interface CommandResult {
  exitCode: number;
  /** The last `keepLines` lines of stdout and stderr together, in arrival order. */
  lines: string[];
  /** Empty unless `captureStdout`. */
  stdout: string;
  /** True when `signal` aborted the process. */
  aborted: boolean;
}

/**
 * Runs a binary with an argument array (never through a shell) and resolves when it has
 * exited and its output is drained, whatever the exit code. Rejects only when it cannot start.
 * Memory stays bounded whatever the command prints: lines are cut at 64 KiB as they stream in.
 */
export function runCommand(binary: string, args: readonly string[], options: RunCommandOptions): Promise<CommandResult> {
  const keep = options.keepLines ?? 200;
  const lines: string[] = [];
  let stdout = '';
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return resolve({ exitCode: -1, lines, stdout, aborted: true });
    // Its own process group, so that killing it also kills what it spawned (`docker compose` and `docker buildx` run their plugin).
    const child = spawn(binary, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let aborted = false;
    const kill = () => {
      aborted = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is already gone
      }
    };
    options.signal?.addEventListener('abort', kill, { once: true });
    const collect = (line: string) => {
      lines.push(line);
      if (lines.length > keep) lines.shift();
      options.onLine?.(line);
    };
    let captured = 0;
    if (options.captureStdout) {
      child.stdout.on('data', (chunk: Buffer) => {
        if (captured < MAX_CAPTURE_BYTES) stdout += chunk.subarray(0, MAX_CAPTURE_BYTES - captured).toString('utf8');
        captured += chunk.length;
      });
    }
    const open = [child.stdout, child.stderr].map((stream) => {
      const splitter = new LineSplitter(collect);
      return new Promise<void>((done) => {
        stream.on('data', (chunk: Buffer) => splitter.push(chunk));
        stream.on('close', () => {
          splitter.end();
          done();
        });
      });
    });
    child.stdin.on('error', () => undefined); // the process may exit before reading its input
    child.stdin.end(options.input);
    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', kill);
      reject(new DrydockError('infrastructure', `cannot run ${binary}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', kill);
      void Promise.all(open).then(() => resolve({ exitCode: code ?? (signal ? 128 : -1), lines, stdout, aborted }));
    });
  });
}
