import { shiftTraffic } from '../steps/shift-traffic.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The `shiftTraffic` step as a Lambda function (state machines name it `${ShiftTrafficFunctionArn}`). */
export const handler = stepHandler('shiftTraffic', (input: Parameters<ReturnType<typeof shiftTraffic>>[0]) =>
  shiftTraffic(awsStepDeps())(input),
);
