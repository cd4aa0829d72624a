import { isDeploymentId } from '../domain/deployment-id.js';
import { flowKeyOf, rollsBackByRedeploying } from '../domain/flows.js';
import type { ErrorCode } from '../domain/status.js';
import type { DeploymentRecord, ErrorInformation, ServerDeploymentRecord } from '../ports/records.js';
import { eventBegan, targetsLabelled } from './blue-green-phases.js';
import type { TrafficRoute } from '../ports/traffic-router.js';
import { abandonDeployment, isUnfinished } from './abandon-deployment.js';
import { cancelCommandsInFlight } from './commands-in-flight.js';
import type { StepDeps } from './deps.js';
import { publishDeploymentEvent } from './publish-event.js';
import { redeployWanted } from './rollback.js';
import { currentBatchChunks, targetEventStatus, targetsOf } from './server-targets.js';
import { startRollbackDeployment } from './start-rollback-deployment.js';
import { restoredRouteMessage, trafficRouteOf } from './traffic-route.js';

/** The Step Functions statuses that end an execution without its Finish state having run. */
export type EndedExecutionStatus = 'TIMED_OUT' | 'ABORTED' | 'FAILED';

export interface OnExecutionEndedInput {
  executionArn: string;
  /** The execution name: the deployment id, or a foreign name (CodePipeline) Prepare claimed. */
  executionName: string;
  status: EndedExecutionStatus;
  /** The execution input's fields, when the event carried it (it is left out above 256 KiB). */
  request?: { deploymentId?: string; applicationName?: string; deploymentGroupName?: string };
}

export type OnExecutionEndedOutput =
  | {
      ended: true;
      deploymentId: string;
      status: 'Failed';
      errorCode: string;
      /** Traffic put back where it was before the deployment (alias, listeners, registrations). */
      restored: boolean;
      /** The rollback deployment the group asks for, when one was started. */
      rollbackDeploymentId?: string;
    }
  | { ended: false; deploymentId?: string; reason: string };

type OnExecutionEndedDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'executionNames'
  | 'groups'
  | 'groupLocks'
  | 'deploymentTargets'
  | 'pendingWaits'
  | 'alarmWatches'
  | 'commandWaits'
  | 'serverBatches'
  | 'events'
  | 'clock'
  | 'transport'
  | 'traffic'
  | 'executions'
  | 'random'
>;

/** What each ending means for the user, and what to do about it. */
const ENDINGS: Record<EndedExecutionStatus, { code: ErrorCode; detail: string }> = {
  ABORTED: {
    code: 'INTERNAL_ERROR',
    detail: 'it was stopped in Step Functions; stop a deployment with StopDeployment instead',
  },
  TIMED_OUT: {
    code: 'TIMEOUT',
    detail: "the state machine's TimeoutSeconds passed",
  },
  FAILED: {
    code: 'INTERNAL_ERROR',
    detail: "a state failed outside the state machine's Catch; the execution's history shows which",
  },
};

export function endedExecutionError(executionArn: string, status: EndedExecutionStatus): ErrorInformation {
  const { code, detail } = ENDINGS[status];
  return {
    code,
    message: `The Step Functions execution ${executionArn} was ${status} before the deployment finished (${detail}); the deployment was marked failed and its deployment group unlocked.`,
  };
}

/**
 * Target of the EventBridge rule on executions that end TIMED_OUT, ABORTED or FAILED (its timeout,
 * the history limit, a Stop in the console): the state machine's Finish and Rollback never ran, so the
 * deployment would stay in progress, its group locked and its traffic where the deployment left it.
 * An unfinished deployment's running commands are cancelled; its traffic is restored through the
 * traffic router (a Lambda alias back on the current version, ECS listeners on the original target
 * group, instances taken out of their target groups registered again); it ends as Failed
 * (abandonDeployment) and its FAILURE event is published; and the rollback its group asks for on a
 * failure (a new deployment of the last successful revision, in-place) is started. One already ended
 * is left as it is.
 */
export function onExecutionEnded(deps: OnExecutionEndedDeps) {
  return async (input: OnExecutionEndedInput): Promise<OnExecutionEndedOutput> => {
    const { deployments, groupLocks } = deps;
    const { executionArn, executionName, status, request } = input;
    const deploymentId =
      request?.deploymentId ??
      (isDeploymentId(executionName)
        ? executionName
        : await deps.executionNames.claimedDeploymentId(executionName));
    if (!deploymentId) {
      return { ended: false, reason: `No deployment was created for the execution ${executionArn}.` };
    }
    const record = await deployments.getDeployment(deploymentId);
    if (!record) {
      // Prepare may have taken the lock and ended before it recorded anything: release it (a no-op
      // unless this deployment holds it).
      if (request?.applicationName && request.deploymentGroupName) {
        await groupLocks.releaseGroupLock(request.applicationName, request.deploymentGroupName, deploymentId);
      }
      return {
        ended: false,
        deploymentId,
        reason: `The execution ${executionArn} ended ${status} before it recorded the deployment ${deploymentId}.`,
      };
    }
    if (!isUnfinished(record)) {
      // Finish may have recorded the outcome and then failed before it released the lock.
      await groupLocks.releaseGroupLock(record.applicationName, record.deploymentGroupName, deploymentId);
      return {
        ended: false,
        deploymentId,
        reason: `The deployment ${deploymentId} had already ended (${record.status}); nothing to do.`,
      };
    }
    // The scripts of the event in flight would run on after the group is unlocked, maybe alongside the
    // next deployment: stop them first, as a stop or an alarm does.
    await cancelCommandsInFlight(deps, record);
    // Read before the targets are closed: which instances the deployment had taken out of service.
    const routes = await routesToRestore(deps, record);
    const restored: string[] = [];
    for (const route of routes) {
      if ((await deps.traffic.restore(route)).changed) restored.push(restoredRouteMessage(route));
    }
    const errorInformation = endedExecutionError(executionArn, status);
    const ended = await abandonDeployment(deps)(record, errorInformation);
    if (!ended) {
      return {
        ended: false,
        deploymentId,
        reason: `The deployment ${deploymentId} ended while this event was handled; nothing to do.`,
      };
    }
    if (restored.length > 0) {
      await deployments.updateDeployment(deploymentId, {
        rollbackInfo: { ...ended.rollbackInfo, rollbackMessage: restored.join(' ') },
      });
    }
    await publishDeploymentEvent(deps, ended, 'FAILURE');
    const failure = {
      code: errorInformation.code,
      status: 'Failed' as const,
      message: errorInformation.message,
    };
    const rollbackDeploymentId =
      rollsBackByRedeploying(flowKeyOf(ended)) && (await redeployWanted(deps, ended, failure))
        ? (await startRollbackDeployment(deps)({ deploymentId })).rollbackDeploymentId
        : undefined;
    return {
      ended: true,
      deploymentId,
      status: 'Failed',
      errorCode: errorInformation.code,
      restored: restored.length > 0,
      ...(rollbackDeploymentId ? { rollbackDeploymentId } : {}),
    };
  };
}

/**
 * Where the deployment's traffic must go back to: its route (a Lambda alias, ECS listeners), and for
 * a Server in-place deployment the instances of its batch that it deregistered (BlockTraffic began)
 * and did not register again (AllowTraffic did not succeed).
 */
async function routesToRestore(
  deps: Pick<StepDeps, 'groups' | 'deploymentTargets' | 'serverBatches'>,
  record: DeploymentRecord,
): Promise<TrafficRoute[]> {
  const route = trafficRouteOf(record);
  if (route) return [route];
  if (record.computePlatform === 'Server' && record.serverBlueGreen) return blueGreenRoutes(deps, record);
  if (record.computePlatform !== 'Server' || record.currentBatch?.recorded !== false) return [];
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const targetGroups = group?.targetGroupNames ?? [];
  if (targetGroups.length === 0) return [];
  const instanceIds: string[] = [];
  for (const chunk of await currentBatchChunks(deps.serverBatches, record)) {
    const targets = await targetsOf(deps.deploymentTargets, record.deploymentId, chunk.instanceIds);
    for (const [id, target] of targets) {
      const blocked = targetEventStatus(target, 'BlockTraffic');
      const allowed = targetEventStatus(target, 'AllowTraffic');
      if (
        blocked !== undefined &&
        blocked !== 'Pending' &&
        blocked !== 'Skipped' &&
        allowed !== 'Succeeded'
      ) {
        instanceIds.push(id);
      }
    }
  }
  return instanceIds.length > 0 ? [{ kind: 'TargetRegistration', targetGroups, instanceIds }] : [];
}

/**
 * A Server blue/green deployment that had not retired its originals goes back to them: every
 * original that left (or began to leave) the target groups is registered again, every replacement
 * that joined them deregistered. Once the originals are retired, the replacements are the fleet.
 */
async function blueGreenRoutes(
  deps: Pick<StepDeps, 'groups' | 'deploymentTargets'>,
  record: ServerDeploymentRecord,
): Promise<TrafficRoute[]> {
  if (record.serverBlueGreen?.phase === 'retire' || record.serverBlueGreen?.keepFleets) return [];
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const targetGroups = group?.targetGroupNames ?? [];
  if (targetGroups.length === 0) return [];
  const originals = await targetsLabelled(deps, record.deploymentId, 'Blue');
  const replacements = await targetsLabelled(deps, record.deploymentId, 'Green');
  const route: TrafficRoute = {
    kind: 'TargetRegistration',
    targetGroups,
    instanceIds: originals.filter((t) => eventBegan(t, 'BlockTraffic')).map((t) => t.targetId),
    replacementInstanceIds: replacements.filter((t) => eventBegan(t, 'AllowTraffic')).map((t) => t.targetId),
  };
  return route.instanceIds.length > 0 || (route.replacementInstanceIds?.length ?? 0) > 0 ? [route] : [];
}
