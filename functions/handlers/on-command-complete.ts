// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { OnCommandComplete } from './events/on-command-complete.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** OnCommandComplete as a Lambda function (`${OnCommandCompleteFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(OnCommandComplete);
