// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { OnAlarmStateChange } from './events/on-alarm-state-change.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** OnAlarmStateChange as a Lambda function (`${OnAlarmStateChangeFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(OnAlarmStateChange);
