import { stepHandler } from '../runtime/handler.js';
import { allowTraffic } from '../steps/traffic-control.js';
import { awsStepDeps } from './aws-deps.js';

/** The `allowTraffic` step as a Lambda function (state machines name it `${AllowTrafficFunctionArn}`). */
export const handler = stepHandler('allowTraffic', (input: Parameters<ReturnType<typeof allowTraffic>>[0]) =>
  allowTraffic(awsStepDeps())(input),
);
