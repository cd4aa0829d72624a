import { prepare } from '../steps/prepare.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `prepare` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof prepare>()(['store', 'lambda', 'alarms', 'revisions', 'events']);

/** The `prepare` step as a Lambda function (state machines name it `${PrepareFunctionArn}`). */
export const handler = stepHandler('prepare', (input: Parameters<ReturnType<typeof prepare>>[0]) =>
  prepare(awsStepDeps(ports))(input),
);
