import { shiftTraffic } from '../steps/shift-traffic.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `shiftTraffic` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof shiftTraffic>()(['store', 'lambda', 'alarms']);

/** The `shiftTraffic` step as a Lambda function (state machines name it `${ShiftTrafficFunctionArn}`). */
export const handler = stepHandler('shiftTraffic', (input: Parameters<ReturnType<typeof shiftTraffic>>[0]) =>
  shiftTraffic(awsStepDeps(ports))(input),
);
