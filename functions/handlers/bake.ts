import { bake } from '../steps/bake.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `bake` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof bake>()(['store', 'alarms']);

/** The `bake` step as a Lambda function (state machines name it `${BakeFunctionArn}`). */
export const handler = stepHandler('bake', (input: Parameters<ReturnType<typeof bake>>[0]) =>
  bake(awsStepDeps(ports))(input),
);
