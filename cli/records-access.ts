import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeploymentStore } from '../functions/ports/deployment-store.js';
import type { DeploymentRecord, InstanceTargetRecord } from '../functions/ports/records.js';
import { EventProcessRecords } from '../local/hosts/event-processes.js';
import { hostsDirectory } from '../local/hosts/hosts.js';
import { startLocalDatabase } from '../local/runtime/dynalite.js';
import { recoverInterruptedDeployments } from '../local/runtime/recover.js';
import { listDeploymentIds, readDeployment, readDeployments } from './deploy/service-records.js';
import { connectForCommand, errorName, type ServiceConnection } from './service.js';

/**
 * Access to a state directory's deployments (or the AWS stack's, with `--endpoint-url`). While a
 * server runs for the state directory its records are reached through its API, as a CodeDeploy
 * client reaches them (LevelDB admits one process); otherwise they are opened directly, and
 * deployments an interrupted process left unfinished are ended first.
 */
export interface RecordsAccess {
  getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  /** Newest first. */
  listDeployments(): Promise<DeploymentRecord[]>;
  listTargets(deploymentId: string): Promise<InstanceTargetRecord[]>;
  /** Only a running service can stop or continue its deployment. */
  stopDeployment?(
    deploymentId: string,
    autoRollbackEnabled: boolean | undefined,
  ): Promise<{ status?: string; statusMessage?: string }>;
  continueDeployment?(deploymentId: string, waitType: 'READY_WAIT' | 'TERMINATION_WAIT'): Promise<void>;
  recovered: string[];
  close(): Promise<void>;
}

export async function openRecords(
  stateDir: string,
  endpointUrl?: string,
  purpose = 'reading the records',
): Promise<RecordsAccess> {
  const dir = resolve(stateDir);
  const claim = await connectForCommand({ stateDir: dir, purpose, ...(endpointUrl ? { endpointUrl } : {}) });
  if (claim.connection) return serviceAccess(claim.connection);
  const lock = claim.lock;
  try {
    // Nothing of an event a killed process left running survives its recovery.
    await EventProcessRecords.of(dir).endLeftovers(hostsDirectory(dir));
    if (!existsSync(join(dir, 'records'))) {
      return {
        getDeployment: async () => undefined,
        listDeployments: async () => [],
        listTargets: async () => [],
        recovered: [],
        close: () => lock.release(),
      };
    }
    const database = await startLocalDatabase({ path: join(dir, 'records') });
    const recovered = await recoverInterruptedDeployments(database.store, new Date());
    return {
      ...storeAccess(database.store),
      recovered,
      async close() {
        await database.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function storeAccess(store: DeploymentStore) {
  return {
    getDeployment: (id: string) => store.getDeployment(id),
    listDeployments: () => store.listDeployments(),
    listTargets: (id: string) => store.listDeploymentTargets(id),
  };
}

const newestFirst = (a: DeploymentRecord, b: DeploymentRecord) =>
  b.createTime.localeCompare(a.createTime) || b.deploymentId.localeCompare(a.deploymentId);

function serviceAccess(connection: ServiceConnection): RecordsAccess {
  const service = connection.codedeploy;
  return {
    async getDeployment(deploymentId) {
      try {
        return (await readDeployment(service, deploymentId)).record;
      } catch (error) {
        if (errorName(error) === 'DeploymentDoesNotExistException') return undefined;
        throw error;
      }
    },
    async listDeployments() {
      return (await readDeployments(service, await listDeploymentIds(service))).sort(newestFirst);
    },
    async listTargets(deploymentId) {
      return (await readDeployment(service, deploymentId)).targets;
    },
    stopDeployment: (deploymentId, autoRollbackEnabled) =>
      service.send('StopDeployment', {
        deploymentId,
        ...(autoRollbackEnabled !== undefined ? { autoRollbackEnabled } : {}),
      }),
    async continueDeployment(deploymentId, deploymentWaitType) {
      await service.send('ContinueDeployment', { deploymentId, deploymentWaitType });
    },
    recovered: [],
    close: () => connection.close(),
  };
}
