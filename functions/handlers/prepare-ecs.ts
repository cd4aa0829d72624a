// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { PrepareEcs } from '../steps/prepare-ecs.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** PrepareEcs as a Lambda function (`${PrepareEcsFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(PrepareEcs);
