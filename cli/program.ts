import { Command } from 'commander';
import { registerAppSpecCommands } from './commands/appspec.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDeployCommand } from './commands/deploy.js';
import { byteSize, positiveInteger } from './commands/deploy.js';
import { registerRecordCommands } from './commands/records.js';
import { registerServerCommand } from './commands/server.js';
import { registerSimulateCommand } from './commands/simulate.js';

export function buildProgram(): Command {
  const program = new Command('stepdeploy')
    .description("Deployments with AWS CodeDeploy's model, on AWS Step Functions or on this machine")
    .version('0.1.0')
    .option(
      '--endpoint-url <url>',
      "the stepdeploy API in AWS (the stack's ApiEndpointUrl), for deploy, status, list, stop and continue",
    )
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text) });
  registerAppSpecCommands(program);
  registerConfigCommands(program);
  registerDeployCommand(program);
  registerRecordCommands(program);
  registerServerCommand(program, { positiveInteger, byteSize });
  registerSimulateCommand(program);
  return program;
}
