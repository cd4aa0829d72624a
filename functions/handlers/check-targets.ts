import { stepHandler } from '../runtime/handler.js';
import { checkTargets } from '../steps/traffic-control.js';
import { awsStepDeps } from './aws-deps.js';

/** The `checkTargets` step as a Lambda function (state machines name it `${CheckTargetsFunctionArn}`). */
export const handler = stepHandler('checkTargets', (input: Parameters<ReturnType<typeof checkTargets>>[0]) =>
  checkTargets(awsStepDeps())(input),
);
