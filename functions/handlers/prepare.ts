import { prepare } from '../steps/prepare.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The `prepare` step as a Lambda function (state machines name it `${PrepareFunctionArn}`). */
export const handler = stepHandler('prepare', (input: Parameters<ReturnType<typeof prepare>>[0]) =>
  prepare(awsStepDeps())(input),
);
