// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { CheckTargets } from '../steps/check-targets.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** CheckTargets as a Lambda function (`${CheckTargetsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(CheckTargets);
