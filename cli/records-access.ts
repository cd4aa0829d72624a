import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeploymentStore } from '../functions/ports/deployment-store.js';
import type { LifecycleEventStatus, TargetStatus } from '../functions/domain/status.js';
import type { DeploymentRecord, InstanceTargetRecord } from '../functions/ports/records.js';
import { callCodeDeployApi } from '../local/server/api-client.js';
import { loadOrCreateServerKey, type ServerKey } from '../local/server/server-file.js';
import { EventProcessRecords } from '../local/hosts/event-processes.js';
import { hostsDirectory } from '../local/hosts/hosts.js';
import { startLocalDatabase } from '../local/runtime/dynalite.js';
import { recoverInterruptedDeployments } from '../local/runtime/recover.js';
import { liveRuntime } from '../local/state-dir.js';

/**
 * Read access to a state directory's deployments. While a stepdeploy process runs there, its records
 * are reached through its API (LevelDB admits one process); otherwise they are opened directly, and
 * deployments an interrupted process left unfinished are ended first.
 */
export interface RecordsAccess {
  getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  listDeployments(): Promise<DeploymentRecord[]>;
  listTargets(deploymentId: string): Promise<InstanceTargetRecord[]>;
  /** Only a running process can stop its deployment. */
  stopDeployment?(
    deploymentId: string,
    autoRollbackEnabled: boolean,
  ): Promise<{ status: string; statusMessage: string }>;
  recovered: string[];
  close(): Promise<void>;
}

export async function openRecords(stateDir: string): Promise<RecordsAccess> {
  const dir = resolve(stateDir);
  const live = liveRuntime(dir);
  if (live) return apiAccess(live.apiUrl, loadOrCreateServerKey(dir));
  if (!existsSync(join(dir, 'records'))) {
    return {
      getDeployment: async () => undefined,
      listDeployments: async () => [],
      listTargets: async () => [],
      recovered: [],
      close: async () => {},
    };
  }
  // Nothing of an event the ended process left running survives its recovery.
  await EventProcessRecords.of(dir).endLeftovers(hostsDirectory(dir));
  const database = await startLocalDatabase({ path: join(dir, 'records') });
  const recovered = await recoverInterruptedDeployments(database.store, new Date());
  return { ...storeAccess(database.store), recovered, close: () => database.close() };
}

function storeAccess(store: DeploymentStore) {
  return {
    getDeployment: (id: string) => store.getDeployment(id),
    listDeployments: () => store.listDeployments(),
    listTargets: (id: string) => store.listDeploymentTargets(id),
  };
}

interface ApiDeploymentInfo extends Omit<DeploymentRecord, 'createTime' | 'startTime' | 'completeTime'> {
  createTime?: number;
  startTime?: number;
  completeTime?: number;
}

interface ApiTarget {
  instanceTarget: {
    deploymentId: string;
    targetId: string;
    status: TargetStatus;
    lastUpdatedAt?: number;
    lifecycleEvents: Array<{
      lifecycleEventName: string;
      status: LifecycleEventStatus;
      startTime?: number;
      endTime?: number;
      diagnostics?: InstanceTargetRecord['lifecycleEvents'][number]['diagnostics'];
    }>;
  };
}

const iso = (seconds: number | undefined) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

function apiAccess(url: string, key: ServerKey): RecordsAccess {
  const getDeployment = async (deploymentId: string) => {
    try {
      const { deploymentInfo } = await callCodeDeployApi<{ deploymentInfo: ApiDeploymentInfo }>(
        url,
        'GetDeployment',
        { deploymentId },
        key,
      );
      const { createTime, startTime, completeTime, ...rest } = deploymentInfo;
      return {
        ...rest,
        createTime: iso(createTime) ?? '',
        startTime: iso(startTime),
        completeTime: iso(completeTime),
      } as DeploymentRecord;
    } catch (error) {
      if ((error as Error).name === 'DeploymentDoesNotExistException') return undefined;
      throw error;
    }
  };
  return {
    getDeployment,
    async listDeployments() {
      const { deployments } = await callCodeDeployApi<{ deployments: string[] }>(
        url,
        'ListDeployments',
        {},
        key,
      );
      const records = await Promise.all(deployments.map(getDeployment));
      return records.filter((record): record is DeploymentRecord => record !== undefined);
    },
    async listTargets(deploymentId) {
      const { deploymentTargets } = await callCodeDeployApi<{ deploymentTargets: ApiTarget[] }>(
        url,
        'BatchGetDeploymentTargets',
        { deploymentId },
        key,
      );
      return deploymentTargets.map(({ instanceTarget: t }) => ({
        deploymentId: t.deploymentId,
        targetId: t.targetId,
        status: t.status,
        lastUpdatedAt: iso(t.lastUpdatedAt) ?? '',
        lifecycleEvents: t.lifecycleEvents.map((e) => ({
          lifecycleEventName: e.lifecycleEventName,
          status: e.status,
          ...(e.startTime !== undefined ? { startTime: iso(e.startTime) } : {}),
          ...(e.endTime !== undefined ? { endTime: iso(e.endTime) } : {}),
          ...(e.diagnostics ? { diagnostics: e.diagnostics } : {}),
        })),
      }));
    },
    stopDeployment: (deploymentId, autoRollbackEnabled) =>
      callCodeDeployApi(url, 'StopDeployment', { deploymentId, autoRollbackEnabled }, key),
    recovered: [],
    close: async () => {},
  };
}
