// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { OnExecutionEnded } from './events/on-execution-ended.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** OnExecutionEnded as a Lambda function (`${OnExecutionEndedFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(OnExecutionEnded);
