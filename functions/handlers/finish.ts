import { finish } from '../steps/finish.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The `finish` step as a Lambda function (state machines name it `${FinishFunctionArn}`). */
export const handler = stepHandler('finish', (input: Parameters<ReturnType<typeof finish>>[0]) =>
  finish(awsStepDeps())(input),
);
