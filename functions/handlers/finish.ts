import { finish } from '../steps/finish.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `finish` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof finish>()(['store', 'events']);

/** The `finish` step as a Lambda function (state machines name it `${FinishFunctionArn}`). */
export const handler = stepHandler('finish', (input: Parameters<ReturnType<typeof finish>>[0]) =>
  finish(awsStepDeps(ports))(input),
);
