import { runHook } from '../steps/run-hook.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `runHook` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof runHook>()(['store', 'hooks', 'callbacks', 'alarms']);

/** The `runHook` step as a Lambda function (state machines name it `${RunHookFunctionArn}`). */
export const handler = stepHandler('runHook', (input: Parameters<ReturnType<typeof runHook>>[0]) =>
  runHook(awsStepDeps(ports))(input),
);
