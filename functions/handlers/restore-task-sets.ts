// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { RestoreTaskSets } from '../steps/restore-task-sets.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** RestoreTaskSets as a Lambda function (`${RestoreTaskSetsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(RestoreTaskSets);
