import { stepHandler } from '../runtime/handler.js';
import { blockTraffic } from '../steps/traffic-control.js';
import { awsStepDeps } from './aws-deps.js';

/** The `blockTraffic` step as a Lambda function (state machines name it `${BlockTrafficFunctionArn}`). */
export const handler = stepHandler('blockTraffic', (input: Parameters<ReturnType<typeof blockTraffic>>[0]) =>
  blockTraffic(awsStepDeps())(input),
);
