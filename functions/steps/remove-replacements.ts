import type { TargetRegistrationRoute } from '../ports/traffic-router.js';
import { eventBegan, targetsLabelled } from './blue-green-phases.js';
import { defineStep, type StepDeps } from './deps.js';
import { loadDeploymentOf } from './load-deployment.js';
import { restoredRouteMessage } from './traffic-route.js';

export interface RemoveReplacementsInput {
  deploymentId: string;
}

export interface RemoveReplacementsOutput {
  /** The traffic router changed something the rollback's events had left (a failed hook skipped one). */
  restored: boolean;
  /** The copied fleet was deleted. */
  removed: boolean;
}

/**
 * The last step of a Server blue/green rollback, after its events moved the traffic back: through
 * the traffic router, every original that had left is registered again and every replacement that
 * had joined deregistered (a rollback event that failed may have skipped one); then the copied
 * replacement fleet is deleted with its instances. Discovered replacements are the user's own
 * instances: they are left running, out of the load balancer [inferred: the safer choice]. A stop
 * without rollback leaves everything as it is. The deployment's rollbackInfo says what was done.
 */
export function removeReplacements(
  deps: Pick<StepDeps, 'deployments' | 'groups' | 'deploymentTargets' | 'fleet' | 'traffic'>,
) {
  return async ({ deploymentId }: RemoveReplacementsInput): Promise<RemoveReplacementsOutput> => {
    const { deployments } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    const state = record.serverBlueGreen;
    if (!state) throw new TypeError(`The deployment ${deploymentId} is not a blue/green deployment.`);
    const messages: string[] = [];
    let restored = false;
    let removed = false;
    if (state.keepFleets) {
      messages.push(
        'The deployment was stopped without rollback: the traffic, the original instances and the replacements are left as they are.',
      );
    } else {
      const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
      const originals = await targetsLabelled(deps, deploymentId, 'Blue');
      const replacements = await targetsLabelled(deps, deploymentId, 'Green');
      const route: TargetRegistrationRoute = {
        kind: 'TargetRegistration',
        targetGroups: group?.targetGroupNames ?? [],
        instanceIds: originals.filter((t) => eventBegan(t, 'BlockTraffic')).map((t) => t.targetId),
        replacementInstanceIds: replacements
          .filter((t) => eventBegan(t, 'AllowTraffic'))
          .map((t) => t.targetId),
      };
      if (
        route.targetGroups.length > 0 &&
        (route.instanceIds.length > 0 || route.replacementInstanceIds!.length > 0)
      ) {
        restored = (await deps.traffic.restore(route)).changed;
        if (restored) messages.push(restoredRouteMessage(route));
      }
      messages.push(`Traffic is on the ${originals.length} original instance(s).`);
      if (state.options.greenFleet === 'COPY_AUTO_SCALING_GROUP' && state.replacementFleet) {
        await deps.fleet.deleteFleet(state.replacementFleet);
        removed = true;
        messages.push(
          `The replacement fleet ${state.replacementFleet} (${replacements.length} instance(s)) was removed.`,
        );
      } else if (replacements.length > 0) {
        messages.push(
          `The ${replacements.length} discovered replacement instance(s) are left running, out of the load balancer.`,
        );
      }
    }
    await deployments.updateDeployment(deploymentId, {
      serverBlueGreen: { ...state, phase: 'remove' },
      rollbackInfo: { ...record.rollbackInfo, rollbackMessage: messages.join(' ') },
    });
    return { restored, removed };
  };
}

/** The Server blue/green flow's RemoveReplacements Task: `${RemoveReplacementsFunctionArn}`. */
export const RemoveReplacements = defineStep('RemoveReplacements', removeReplacements, {
  timeoutSeconds: 900,
})(['deployments', 'groups', 'deploymentTargets', 'fleet', 'traffic']);
