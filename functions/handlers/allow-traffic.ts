import { stepHandler } from '../runtime/handler.js';
import { allowTraffic } from '../steps/traffic-control.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `allowTraffic` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof allowTraffic>()(['store', 'loadBalancer', 'alarms']);

/** The `allowTraffic` step as a Lambda function (state machines name it `${AllowTrafficFunctionArn}`). */
export const handler = stepHandler('allowTraffic', (input: Parameters<ReturnType<typeof allowTraffic>>[0]) =>
  allowTraffic(awsStepDeps(ports))(input),
);
