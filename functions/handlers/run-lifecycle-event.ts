// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { RunLifecycleEvent } from '../steps/run-lifecycle-event.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** RunLifecycleEvent as a Lambda function (`${RunLifecycleEventFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(RunLifecycleEvent);
