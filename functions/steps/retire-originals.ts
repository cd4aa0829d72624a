import { defineStep, type StepDeps } from './deps.js';
import { renewLockLease } from './group-lock-lease.js';
import { targetsLabelled } from './blue-green-phases.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';

export interface RetireOriginalsInput {
  deploymentId: string;
}

/**
 * The end of a successful Server blue/green deployment, after the termination wait: the original
 * fleet is terminated (TERMINATE: the copied Auto Scaling group deleted with its instances, or the
 * discovered originals terminated) or left running out of the load balancer (KEEP_ALIVE). Either
 * way it leaves the deployment group: a copied group's Auto Scaling group is the copy from now on,
 * and the originals' recorded health no longer puts them back in service. Until this step the
 * deployment could still roll back; after it, it cannot.
 */
export function retireOriginals(
  deps: Pick<
    StepDeps,
    'deployments' | 'groups' | 'groupLocks' | 'deploymentTargets' | 'fleet' | 'clock' | 'settings'
  >,
) {
  return async ({ deploymentId }: RetireOriginalsInput): Promise<void> => {
    const { deployments } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    const state = record.serverBlueGreen;
    if (!state) throw new TypeError(`The deployment ${deploymentId} is not a blue/green deployment.`);
    assertNotStopped(record);
    await renewLockLease(deps, record);
    const originals = (await targetsLabelled(deps, deploymentId, 'Blue')).map((target) => target.targetId);
    const copied = state.options.greenFleet === 'COPY_AUTO_SCALING_GROUP';
    await deps.fleet.retireOriginals({
      deploymentId,
      action: state.options.originals,
      ...(copied && state.sourceAutoScalingGroup ? { autoScalingGroup: state.sourceAutoScalingGroup } : {}),
      instanceIds: originals,
    });
    if (copied && state.replacementFleet) {
      await deps.groups.recordGroupDeploymentState(record.applicationName, record.deploymentGroupName, {
        autoScalingGroups: [{ name: state.replacementFleet }],
      });
    }
    // The replacements that took traffic are the group's fleet in service now; the originals are not.
    const serving = (await targetsLabelled(deps, deploymentId, 'Green')).filter(
      (t) => t.status === 'Succeeded',
    );
    await deps.groups.recordInstanceHealth(record.applicationName, record.deploymentGroupName, [
      ...serving.map((target) => ({ instanceId: target.targetId, health: 'Healthy' as const })),
      ...originals.map((instanceId) => ({ instanceId, health: 'Unhealthy' as const })),
    ]);
    const kept = state.options.originals === 'KEEP_ALIVE';
    await deployments.updateDeployment(deploymentId, {
      serverBlueGreen: { ...state, phase: 'retire' },
      deploymentStatusMessages: [
        kept
          ? `The ${originals.length} original instance(s) were kept running (KEEP_ALIVE), out of the load balancer and the deployment group.`
          : `The ${originals.length} original instance(s) were terminated.`,
      ],
    });
  };
}

/** The Server blue/green flow's RetireOriginals Task: `${RetireOriginalsFunctionArn}`. */
export const RetireOriginals = defineStep('RetireOriginals', retireOriginals, { timeoutSeconds: 900 })([
  'deployments',
  'groups',
  'groupLocks',
  'deploymentTargets',
  'fleet',
]);
