import { stepHandler } from '../runtime/handler.js';
import { checkTargets } from '../steps/traffic-control.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `checkTargets` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof checkTargets>()(['store', 'loadBalancer', 'alarms']);

/** The `checkTargets` step as a Lambda function (state machines name it `${CheckTargetsFunctionArn}`). */
export const handler = stepHandler('checkTargets', (input: Parameters<ReturnType<typeof checkTargets>>[0]) =>
  checkTargets(awsStepDeps(ports))(input),
);
