// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { Rollback } from '../steps/rollback.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** Rollback as a Lambda function (`${RollbackFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(Rollback);
