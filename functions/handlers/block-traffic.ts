import { stepHandler } from '../runtime/handler.js';
import { blockTraffic } from '../steps/traffic-control.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `blockTraffic` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof blockTraffic>()(['store', 'loadBalancer', 'alarms']);

/** The `blockTraffic` step as a Lambda function (state machines name it `${BlockTrafficFunctionArn}`). */
export const handler = stepHandler('blockTraffic', (input: Parameters<ReturnType<typeof blockTraffic>>[0]) =>
  blockTraffic(awsStepDeps(ports))(input),
);
