/**
 * What the Server blue/green steps share: reading the deployment's originals and replacements (its
 * Blue and Green targets, page by page), and starting a phase, which hands the Server batches
 * machine a new schedule, a new queue and the phase's lifecycle events.
 */
import type { DeploymentConfigInfo } from '../domain/deployment-configs.js';
import { getPredefinedConfig } from '../domain/deployment-configs.js';
import { HealthConstraintsInvalidError, NoInstancesError } from '../domain/deployment-errors.js';
import { phaseEvents, type BatchPhase } from '../domain/server-blue-green.js';
import type { ServerInstance } from '../domain/server-plan.js';
import { createServerProgress, type ProgressPolicy, type ServerProgress } from '../domain/server-progress.js';
import type { InstanceTargetRecord, ServerDeploymentRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';

const PAGE = 500;
const GET = 100;

/** Every target of one role (Blue: the originals, Green: the replacements), in id order. */
export async function targetsLabelled(
  deps: Pick<StepDeps, 'deploymentTargets'>,
  deploymentId: string,
  label: 'Blue' | 'Green',
): Promise<InstanceTargetRecord[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.deploymentTargets.listDeploymentTargetIds(
      deploymentId,
      { labels: [label] },
      { limit: PAGE, ...(nextToken ? { nextToken } : {}) },
    );
    ids.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  const targets: InstanceTargetRecord[] = [];
  for (let start = 0; start < ids.length; start += GET) {
    targets.push(
      ...(await deps.deploymentTargets.getDeploymentTargets(deploymentId, ids.slice(start, start + GET))),
    );
  }
  return targets.sort((a, b) => a.targetId.localeCompare(b.targetId, 'en', { numeric: true }));
}

/** Whether a target's event has begun (it may have changed the load balancer, even if it failed). */
export function eventBegan(target: InstanceTargetRecord, event: string): boolean {
  const status = target.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status;
  return status === 'InProgress' || status === 'Succeeded' || status === 'Failed';
}

/** Every instance at once, never stopping for failures: the originals' exit and every rollback. */
export const ALL_AT_ONCE: DeploymentConfigInfo = getPredefinedConfig('CodeDeployDefault.AllAtOnce')!;

/** The queue entries a finished or abandoned schedule left behind, removed before the next phase. */
async function drainQueue(
  deps: Pick<StepDeps, 'serverBatches'>,
  deploymentId: string,
  progress: ServerProgress | undefined,
): Promise<void> {
  if (!progress) return;
  for (const [wave, { counts }] of progress.waves.entries()) {
    for (const healthy of [false, true]) {
      const left = healthy ? counts.pendingHealthy : counts.pendingUnhealthy;
      // Pending counts are zeroed when a schedule ends early: look for a page whatever they say.
      const entries = await deps.serverBatches.peekInstanceQueue(
        deploymentId,
        wave,
        healthy,
        Math.max(left, PAGE),
      );
      if (entries.length > 0) await deps.serverBatches.removeFromInstanceQueue(deploymentId, entries);
    }
  }
}

export interface PhaseStart {
  phase: BatchPhase;
  instances: ServerInstance[];
  config: DeploymentConfigInfo;
  policy?: ProgressPolicy;
}

/**
 * Starts a phase: its schedule over its instances by the configuration's minimum healthy hosts, its
 * queue, its events; the batch numbers go on from the previous phase's (their chunks are keyed by
 * number). A schedule that cannot start is the deployment's failure, as in Prepare of in-place.
 */
export async function startPhase(
  deps: Pick<StepDeps, 'deployments' | 'serverBatches'>,
  record: ServerDeploymentRecord,
  start: PhaseStart,
): Promise<void> {
  const state = record.serverBlueGreen;
  if (!state) throw new TypeError(`The deployment ${record.deploymentId} is not a blue/green deployment.`);
  const { progress, instances } = createServerProgress(start.instances, start.config, start.policy);
  if (progress.end) {
    const ErrorType =
      progress.end.errorCode === 'NO_INSTANCES' ? NoInstancesError : HealthConstraintsInvalidError;
    throw new ErrorType(progress.end.message);
  }
  await drainQueue(deps, record.deploymentId, record.serverProgress);
  await deps.serverBatches.putInstanceQueue(
    record.deploymentId,
    instances.map((p) => ({ instanceId: p.id, wave: p.wave, healthy: p.healthy, position: p.position })),
  );
  const batch = record.currentBatch;
  await deps.deployments.updateDeployment(record.deploymentId, {
    serverProgress: progress,
    serverLifecycleEvents: phaseEvents(start.phase),
    serverBlueGreen: { ...state, phase: start.phase },
    // A batch a failure interrupted is over: the next phase numbers its batches after it.
    ...(batch && !batch.recorded ? { currentBatch: { ...batch, recorded: true } } : {}),
  });
}

/** Instances as the scheduler takes them; `healthy`: they may serve now (the rule then spares them). */
export function scheduled(
  targets: ReadonlyArray<{ targetId: string }>,
  healthy: boolean,
  zones?: ReadonlyMap<string, string>,
): ServerInstance[] {
  return targets.map((target) => {
    const zone = zones?.get(target.targetId);
    return {
      id: target.targetId,
      health: healthy ? 'Healthy' : 'Unhealthy',
      revision: 'Unknown',
      ...(zone ? { zone } : {}),
    };
  });
}
