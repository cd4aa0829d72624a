import { runHook } from '../steps/run-hook.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The `runHook` step as a Lambda function (state machines name it `${RunHookFunctionArn}`). */
export const handler = stepHandler('runHook', (input: Parameters<ReturnType<typeof runHook>>[0]) =>
  runHook(awsStepDeps())(input),
);
