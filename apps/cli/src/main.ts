import { CommanderError } from 'commander';
import { messageOf } from '@drydock/core';
import { DrydockApi } from './api-client.js';
import { loadCliConfig, type CliConfig, type CliFlags } from './cli-config.js';
import type { CliContext } from './cli-context.js';
import { exitCodeOf } from './cli-errors.js';
import { printable } from './colours.js';
import { createProgram } from './program.js';
import { terminalOf } from './terminal.js';

/** Runs the CLI and resolves to the exit code; expected failures become one `drydock: …` line, never a stack trace. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config: CliConfig | undefined;
  let api: DrydockApi | undefined;
  let flags: () => CliFlags = () => ({});
  const ctx: CliContext = {
    get config() {
      return (config ??= loadCliConfig(env, flags()));
    },
    get api() {
      return (api ??= new DrydockApi(this.config));
    },
    env,
    stdout: terminalOf(process.stdout, env),
    stderr: terminalOf(process.stderr, env),
    exitCode: 0,
  };
  try {
    const program = createProgram(ctx);
    flags = () => program.opts<CliFlags>();
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (!(err instanceof CommanderError)) ctx.stderr.write(`drydock: ${printable(messageOf(err), true)}\n`);
    return exitCodeOf(err);
  }
}

// `drydock logs -f | head` closes stdout early: that is a normal way to stop.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv, process.env);
