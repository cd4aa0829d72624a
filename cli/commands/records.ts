import { resolve } from 'node:path';
import type { Command } from 'commander';
import { deploymentView, renderFailures, renderProgress } from '../deployment-view.js';
import { EXIT_BAD, EXIT_OK, UsageError } from '../exit-codes.js';
import { subcommand } from '../subcommand.js';
import type { RecordsAccess } from '../records-access.js';

/** Loaded when a command runs, not at start-up: it brings in dynalite and the API client. */
async function openRecords(stateDir: string): Promise<RecordsAccess> {
  return (await import('../records-access.js')).openRecords(stateDir);
}

const STATE_DIR_HELP = 'where records and hosts live';

export function registerRecordCommands(program: Command): void {
  subcommand(program, 'status', 'Show a deployment (the newest when no id is given), host by host')
    .argument('[id]', 'deployment id')
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .option('--json', 'print one JSON object')
    .action(async (id: string | undefined, options: { stateDir: string; json?: boolean }) => {
      const records = await openRecords(options.stateDir);
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
    .option('--json', 'print one JSON array')
    .action(async (options: { stateDir: string; json?: boolean }) => {
      const records = await openRecords(options.stateDir);
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
    .option('--state-dir <dir>', STATE_DIR_HELP, '.stepdeploy')
    .action(async (id: string, options: { stateDir: string; rollback?: boolean }) => {
      const records = await openRecords(options.stateDir);
      try {
        if (!records.stopDeployment) {
          const record = await records.getDeployment(id);
          if (!record) throw new UsageError(`no deployment ${id} in ${resolve(options.stateDir)}`);
          const note = records.recovered.includes(id)
            ? ' (its process had ended; it is now marked failed)'
            : '';
          console.error(`stepdeploy: deployment ${id} is not running: ${record.status}${note}`);
          process.exitCode = EXIT_BAD;
          return;
        }
        const result = await records.stopDeployment(id, options.rollback === true);
        console.log(`${result.status}: ${result.statusMessage}`);
      } catch (error) {
        if (
          (error as Error).name === 'DeploymentAlreadyCompletedException' ||
          (error as Error).name === 'DeploymentDoesNotExistException'
        ) {
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
      const [{ hostsDirectory }, { stopHostProcesses }] = await Promise.all([
        import('../../local/hosts/hosts.js'),
        import('../../local/hosts/processes.js'),
      ]);
      const count = await stopHostProcesses(hostsDirectory(resolve(options.stateDir)));
      console.log(count === 0 ? 'no host processes were running' : `stopped ${count} host process(es)`);
    });
}
