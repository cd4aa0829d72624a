import { bake } from '../steps/bake.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The `bake` step as a Lambda function (state machines name it `${BakeFunctionArn}`). */
export const handler = stepHandler('bake', (input: Parameters<ReturnType<typeof bake>>[0]) =>
  bake(awsStepDeps())(input),
);
