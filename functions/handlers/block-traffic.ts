// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { BlockTraffic } from '../steps/block-traffic.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** BlockTraffic as a Lambda function (`${BlockTrafficFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(BlockTraffic);
