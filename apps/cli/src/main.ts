import { CommanderError } from 'commander';
import { messageOf } from '@drydock/core';
import { DrydockApi } from './api-client.js';
import { loadCliConfig, type CliFlags } from './cli-config.js';
import type { CliContext } from './cli-context.js';
import { exitCodeOf } from './cli-errors.js';
import { createProgram } from './program.js';
import { terminalOf } from './terminal.js';

/** Runs the CLI and resolves to the exit code; expected failures become one `drydock: …` line, never a stack trace. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let api: DrydockApi | undefined;
  let flags: () => CliFlags = () => ({});
  const ctx: CliContext = {
    get api() {
      return (api ??= new DrydockApi(loadCliConfig(env, flags())));
    },
    stdout: terminalOf(process.stdout),
    stderr: terminalOf(process.stderr),
    exitCode: 0,
  };
  try {
    const program = createProgram(ctx);
    flags = () => program.opts<CliFlags>();
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (!(err instanceof CommanderError)) ctx.stderr.write(`drydock: ${messageOf(err)}\n`);
    return exitCodeOf(err);
  }
}

// `drydock logs -f | head` closes stdout early: that is a normal way to stop.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv, process.env);
