import { resolve } from 'node:path';
import type { Command } from 'commander';
import { deploymentView, renderFailures, renderProgress } from '../deployment-view.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';
import { registerHostCommands } from './hosts.js';
import type { RecordsAccess } from '../records-access.js';
import { globalEndpointUrl } from './deploy.js';

/** Loaded when a command runs, not at start-up: it brings in dynalite or the SDK. */
async function openRecords(options: { stateDir: string; endpointUrl?: string }, command: Command) {
  const endpointUrl = options.endpointUrl ?? globalEndpointUrl(command);
  return (await import('../records-access.js')).openRecords(options.stateDir, endpointUrl);
}

const STATE_DIR_HELP = 'where records and hosts live';
const ENDPOINT_HELP =
  'the stepdeploy API in AWS (the stack ApiEndpointUrl), with the default credential chain';
type RecordOptions = { stateDir: string; endpointUrl?: string };

/** A deployment that is not running, said as the `stop` and `continue` commands say it. */
async function notRunning(records: RecordsAccess, id: string, stateDir: string): Promise<void> {
  const record = await records.getDeployment(id);
  if (!record) throw new UsageError(`no deployment ${id} in ${resolve(stateDir)}`);
  const note = records.recovered.includes(id) ? ' (its process had ended; it is now marked failed)' : '';
  console.error(`stepdeploy: deployment ${id} is not running: ${record.status}${note}`);
  process.exitCode = EXIT_BAD;
}

/** CodeDeploy's answers that mean "nothing to do here": exit 1 with its message. */
const REFUSALS = new Set([
  'DeploymentAlreadyCompletedException',
  'DeploymentDoesNotExistException',
  'DeploymentIsNotInReadyStateException',
  'UnsupportedActionForDeploymentTypeException',
  'InvalidDeploymentIdException',
]);

export function registerRecordCommands(program: Command): void {
  subcommand(program, 'status', 'Show a deployment (the newest when no id is given), host by host')
    .argument('[id]', 'deployment id')
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .option('--endpoint-url <url>', ENDPOINT_HELP)
    .option('--json', 'print one JSON object')
    .action(async (id: string | undefined, options: RecordOptions & { json?: boolean }, command: Command) => {
      const records = await openRecords(options, command);
      try {
        const deploymentId = id ?? (await records.listDeployments())[0]?.deploymentId;
        if (!deploymentId) throw new UsageError(`no deployments in ${resolve(options.stateDir)}`);
        const record = await records.getDeployment(deploymentId);
        if (!record) throw new UsageError(`no deployment ${deploymentId} in ${resolve(options.stateDir)}`);
        const view = deploymentView(record, await records.listTargets(deploymentId));
        if (options.json) console.log(JSON.stringify(view, null, 2));
        else {
          console.log(
            renderProgress(
              view,
              `Deployment ${deploymentId} (${record.applicationName}/${record.deploymentGroupName}, ${record.deploymentConfigName})`,
              (process.stdout.isTTY && process.stdout.columns) || 80,
            ),
          );
          if (view.status === 'Failed' || view.status === 'Stopped') console.log(renderFailures(view));
          if (record.rollbackInfo?.rollbackMessage) console.log(record.rollbackInfo.rollbackMessage);
        }
        process.exitCode = view.status === 'Failed' || view.status === 'Stopped' ? EXIT_BAD : EXIT_OK;
      } finally {
        await records.close();
      }
    });

  subcommand(program, 'list', 'List deployments, newest first')
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .option('--endpoint-url <url>', ENDPOINT_HELP)
    .option('--json', 'print one JSON array')
    .action(async (options: RecordOptions & { json?: boolean }, command: Command) => {
      const records = await openRecords(options, command);
      try {
        const deployments = await records.listDeployments();
        const rows = deployments.map((d) => ({
          deploymentId: d.deploymentId,
          applicationName: d.applicationName,
          deploymentGroupName: d.deploymentGroupName,
          status: d.status,
          errorCode: d.errorInformation?.code ?? null,
          creator: d.creator,
          createTime: d.createTime,
          completeTime: d.completeTime ?? null,
        }));
        if (options.json) console.log(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) console.log('no deployments');
        else
          for (const r of rows)
            console.log(
              `${r.deploymentId}  ${r.status.padEnd(10)} ${r.applicationName}/${r.deploymentGroupName}  ${r.createTime}${r.errorCode ? `  ${r.errorCode}` : ''}${r.creator === 'codeDeployRollback' ? '  (rollback)' : ''}`,
            );
      } finally {
        await records.close();
      }
    });

  subcommand(program, 'stop', 'Stop a running deployment (as StopDeployment)')
    .argument('<id>', 'deployment id')
    .option('--rollback', 'roll back to the last successful revision after stopping')
    .option('--no-rollback', "leave the instances as they are, whatever the group's rollback settings say")
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .option('--endpoint-url <url>', ENDPOINT_HELP)
    .action(async (id: string, options: RecordOptions & { rollback?: boolean }, command: Command) => {
      const records = await openRecords(options, command);
      try {
        if (!records.stopDeployment) return await notRunning(records, id, options.stateDir);
        // Without either flag, the deployment's DEPLOYMENT_STOP_ON_REQUEST decides, as CodeDeploy's.
        const result = await records.stopDeployment(id, options.rollback);
        console.log(`${result.status}: ${result.statusMessage}`);
      } catch (error) {
        if (REFUSALS.has((error as Error).name)) {
          console.error(`stepdeploy: ${(error as Error).message}`);
          process.exitCode = EXIT_BAD;
          return;
        }
        throw error;
      } finally {
        await records.close();
      }
    });

  subcommand(
    program,
    'continue',
    'Continue a blue/green deployment waiting to reroute traffic, or to end the original (as ContinueDeployment)',
  )
    .argument('<id>', 'deployment id')
    .option('--termination-wait', 'end the wait before the original is terminated (TERMINATION_WAIT)')
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .option('--endpoint-url <url>', ENDPOINT_HELP)
    .action(async (id: string, options: RecordOptions & { terminationWait?: boolean }, command: Command) => {
      const records = await openRecords(options, command);
      try {
        if (!records.continueDeployment) return await notRunning(records, id, options.stateDir);
        const waitType = options.terminationWait ? 'TERMINATION_WAIT' : 'READY_WAIT';
        await records.continueDeployment(id, waitType);
        console.log(`Continued ${id} (${waitType}).`);
      } catch (error) {
        if (REFUSALS.has((error as Error).name)) {
          console.error(`stepdeploy: ${(error as Error).message}`);
          process.exitCode = EXIT_BAD;
          return;
        }
        throw error;
      } finally {
        await records.close();
      }
    });

  const hosts = subcommand(program, 'hosts', 'Local hosts');
  subcommand(hosts, 'stop', "End the local hosts' processes (the apps your deployments started)")
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .action(async (options: { stateDir: string }) => {
      const [{ hostsDirectory }, { stopHostProcesses }, { EventProcessRecords }, { connectForCommand }] =
        await Promise.all([
          import('../../local/hosts/hosts.js'),
          import('../../local/hosts/processes.js'),
          import('../../local/hosts/event-processes.js'),
          import('../service.js'),
        ]);
      const stateDir = resolve(options.stateDir);
      // A running server keeps its own records of its events; otherwise those a killed run left go first.
      const claim = await connectForCommand({ stateDir, purpose: 'hosts stop' });
      try {
        if (claim.lock) await EventProcessRecords.of(stateDir).endLeftovers(hostsDirectory(stateDir));
        const count = await stopHostProcesses(hostsDirectory(stateDir));
        console.log(count === 0 ? 'no host processes were running' : `stopped ${count} host process(es)`);
      } finally {
        await (claim.lock ? claim.lock.release() : claim.connection.close());
      }
    });
  registerHostCommands(hosts);
}
