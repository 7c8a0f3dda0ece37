import { Command } from 'commander';
import { DEFAULT_URL } from './cli-config.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './cli-errors.js';
import { approveCommand, declineCommand } from './commands/approve.command.js';
import { buildsCommand } from './commands/builds.command.js';
import { cancelCommand } from './commands/cancel.command.js';
import { lintCommand } from './commands/lint.command.js';
import { logsCommand } from './commands/logs.command.js';
import { openCommand } from './commands/open.command.js';
import { rebuildCommand } from './commands/rebuild.command.js';
import { retryCommand } from './commands/retry.command.js';
import { showCommand } from './commands/show.command.js';
import { triggerCommand } from './commands/trigger.command.js';
import { watchCommand } from './commands/watch.command.js';
import { cliVersion } from './version.js';

const EPILOGUE = `
Environment:
  DRYDOCK_URL        the Drydock server (default ${DEFAULT_URL}); --server wins over it
  DRYDOCK_API_TOKEN  sent as "Authorization: Bearer <token>" (starting builds needs it); --token wins over it,
                     and without either the token is read from <DRYDOCK_DATA_DIR or ./data>/api-token
  NO_COLOR           set (to anything): no colours, even on a terminal (there are none when output is piped)

Exit codes:
  ${EXIT.ok}   done (watch, --wait, logs --exit-status: the build succeeded; lint: the config is valid)
  ${EXIT.failed}   the build did not succeed (watch, --wait, logs --exit-status), or the server refused the request
  ${EXIT.unreachable}   Drydock could not be reached
  ${EXIT.invalidConfig}   lint: the config is invalid (the message names the file, line and field)
  ${EXIT.auth}   the server refused the API token (401) or its rights (403)
  ${EXIT.usage}  invalid command line or DRYDOCK_URL
`;

/** The `drydock` command tree. Commander throws instead of exiting; main.ts maps errors to exit codes. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('drydock')
    .description('Drydock CI/CD: list, inspect, follow and start container image builds')
    .version(cliVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'drydock: ')) })
    .showHelpAfterError('(run with --help for usage)')
    .option('--server <url>', 'the Drydock server (instead of DRYDOCK_URL)')
    .option('--token <token>', 'the API token (instead of DRYDOCK_API_TOKEN)')
    .addHelpText('after', EPILOGUE);
  const commands = [
    buildsCommand,
    showCommand,
    watchCommand,
    logsCommand,
    openCommand,
    triggerCommand,
    rebuildCommand,
    cancelCommand,
    retryCommand,
    approveCommand,
    declineCommand,
    lintCommand,
  ];
  for (const create of commands) program.addCommand(create(ctx).copyInheritedSettings(program));
  return program;
}
