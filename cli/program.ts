import { Command } from 'commander';
import { registerAppSpecCommands } from './commands/appspec.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDeployCommand } from './commands/deploy.js';
import { registerRecordCommands } from './commands/records.js';
import { registerSimulateCommand } from './commands/simulate.js';

export function buildProgram(): Command {
  const program = new Command('stepdeploy')
    .description("Deployments with AWS CodeDeploy's model, on AWS Step Functions or on this machine")
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text) });
  registerAppSpecCommands(program);
  registerConfigCommands(program);
  registerDeployCommand(program);
  registerRecordCommands(program);
  registerSimulateCommand(program);
  return program;
}
