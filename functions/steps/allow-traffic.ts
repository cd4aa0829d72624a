import {
  changeTargetRegistration,
  TARGET_REGISTRATION_PORTS,
  type TargetRegistrationDeps,
  type TrafficInput,
} from './check-targets.js';
import { defineStep } from './deps.js';

/** AllowTraffic: register the batch's instances on every target group of the group. */
export function allowTraffic(deps: TargetRegistrationDeps) {
  return (input: TrafficInput) => changeTargetRegistration(deps, input, 'AllowTraffic');
}

/** The Server in-place flow's AllowTraffic Task: `${AllowTrafficFunctionArn}`. */
export const AllowTraffic = defineStep('AllowTraffic', allowTraffic, { timeoutSeconds: 300 })(
  TARGET_REGISTRATION_PORTS,
);
