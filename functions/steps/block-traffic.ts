import {
  changeTargetRegistration,
  TARGET_REGISTRATION_PORTS,
  type TargetRegistrationDeps,
  type TrafficInput,
} from './check-targets.js';
import { defineStep } from './deps.js';

/** BlockTraffic: deregister the batch's instances from every target group of the group. */
export function blockTraffic(deps: TargetRegistrationDeps) {
  return (input: TrafficInput) => changeTargetRegistration(deps, input, 'BlockTraffic');
}

/** The Server in-place flow's BlockTraffic Task: `${BlockTrafficFunctionArn}`. */
export const BlockTraffic = defineStep('BlockTraffic', blockTraffic, { timeoutSeconds: 300 })(
  TARGET_REGISTRATION_PORTS,
);
