// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { RunHook } from '../steps/run-hook.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** RunHook as a Lambda function (`${RunHookFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(RunHook);
