import type { ServerAppSpec } from '../domain/appspec/model.js';
import {
  HealthConstraintsInvalidError,
  NoInstancesError,
  OverMaxInstancesError,
} from '../domain/deployment-errors.js';
import { serverLifecycleEvents } from '../domain/lifecycle.js';
import { checkParentHistory, worstBatchHistoryEvents } from '../domain/server-batch-history.js';
import type { ServerInstance } from '../domain/server-plan.js';
import { createServerProgress, type ServerProgress } from '../domain/server-progress.js';
import { trafficPollBound } from '../domain/target-polls.js';
import type { FlowKey } from '../domain/flows.js';
import { assertAlarmsQuietAndWatch } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { eventKind } from './next-batch.js';
import type { PrepareInput } from './prepare.js';
import {
  beginServerDeployment,
  putPendingTargets,
  SERVER_PREPARE_FUNCTION,
  SERVER_PREPARE_PORTS,
  serverTargets,
  type ServerPrepareDeps,
} from './prepare-server.js';
import { eventTimeoutSeconds } from './run-lifecycle-event.js';

export const SERVER_IN_PLACE_FLOW = {
  computePlatform: 'Server',
  deploymentType: 'IN_PLACE',
} as const satisfies FlowKey;

export interface PrepareServerOutput {
  deploymentId: string;
  computePlatform: 'Server';
}

/**
 * Prepare of the Server in-place flow: the common start (record, lock), then the revision is read and
 * validated (AppSpec, unsafe bundle paths) and the batches planned before any instance is touched;
 * then every instance gets its target record with Pending events and its place in the queues, in
 * batched writes. What the deployment record keeps of the plan is counters per zone.
 */
export function prepareServerInPlace(deps: ServerPrepareDeps & Pick<StepDeps, 'serverBatches'>) {
  return async (input: PrepareInput): Promise<PrepareServerOutput> => {
    const { record, group, appSpec, revision, config } = await beginServerDeployment(
      deps,
      SERVER_IN_PLACE_FLOW,
      input,
    );
    const targets = await serverTargets(deps, group);
    const instanceIds = targets.map((target) => target.instanceId);
    if (instanceIds.length === 0)
      throw new NoInstancesError('No instances were specified, or no instances can be found.');
    const health = await deps.groups.listInstanceHealth(group.applicationName, group.deploymentGroupName);
    const instances: ServerInstance[] = targets.map(({ instanceId: id, availabilityZone }) => ({
      id,
      ...(availabilityZone ? { zone: availabilityZone } : {}),
      // Never deployed to, or last attempt failed: Unhealthy, which CodeDeploy deploys to first.
      health: health.get(id) ?? 'Unhealthy',
      revision: health.has(id) ? 'Old' : 'Unknown',
    }));
    const { progress, instances: planned } = createServerProgress(instances, config);
    if (progress.end) {
      const ErrorType =
        progress.end.errorCode === 'NO_INSTANCES' ? NoInstancesError : HealthConstraintsInvalidError;
      throw new ErrorType(progress.end.message);
    }
    const withLoadBalancer = (group.targetGroupNames ?? []).length > 0;
    const events = serverLifecycleEvents('in-place', withLoadBalancer).filter(
      (e) => e !== 'Start' && e !== 'End',
    );
    checkHistory(deps, record.deploymentConfigName, appSpec, events, instances.length, progress);
    await assertAlarmsQuietAndWatch(deps, record);
    await putPendingTargets(deps, record.deploymentId, targets, events);
    await deps.serverBatches.putInstanceQueue(
      record.deploymentId,
      planned.map((p) => ({ instanceId: p.id, wave: p.wave, healthy: p.healthy, position: p.position })),
    );
    await deps.deployments.updateDeployment(record.deploymentId, {
      appSpec,
      revision,
      serverProgress: progress,
      serverLifecycleEvents: events,
    });
    return { deploymentId: record.deploymentId, computePlatform: 'Server' };
  };
}

/**
 * What one deployment still cannot do: with every batch at its worst (every event polled until its
 * deadline), the parent execution's history must hold a child execution per batches-that-fit.
 */
function checkHistory(
  deps: Pick<StepDeps, 'settings'>,
  configName: string,
  appSpec: ServerAppSpec,
  events: readonly string[],
  instanceCount: number,
  progress: ServerProgress,
): void {
  const { settings } = deps;
  const plans = events.map((name) => {
    const kind = eventKind(name);
    const timeoutSeconds =
      kind === 'script' ? eventTimeoutSeconds([appSpec], name) : settings.trafficTimeoutSeconds;
    return { kind, timeoutSeconds, pollSeconds: Math.min(settings.eventPollSeconds, timeoutSeconds) };
  });
  const worst = worstBatchHistoryEvents(
    plans,
    trafficPollBound(settings.trafficTimeoutSeconds, settings.trafficPollSeconds),
  );
  const batches = progress.waves.reduce(
    (sum, wave) =>
      sum + Math.ceil(wave.size / Math.max(1, Math.min(wave.maxConcurrency, progress.maxConcurrency))),
    0,
  );
  const check = checkParentHistory(batches, progress.waves.length, worst, settings.childHistoryBudget);
  if (!check.ok) {
    throw new OverMaxInstancesError(
      `Deploying ${instanceCount} instances with ${configName} takes ${batches} batches; at their longest, ${check.batchesPerRun} fit in one child execution's history, and the deployment's own execution can hold child executions for about ${check.maxBatches} batches. Use a configuration with larger batches (fewer minimum healthy hosts) or split the deployment group.`,
    );
  }
}

/** The Server in-place flow's Prepare Task: `${PrepareServerInPlaceFunctionArn}`. */
export const PrepareServerInPlace = defineStep(
  'PrepareServerInPlace',
  prepareServerInPlace,
  SERVER_PREPARE_FUNCTION,
)([...SERVER_PREPARE_PORTS, 'serverBatches']);
