// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { PrepareLambda } from '../steps/prepare-lambda.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** PrepareLambda as a Lambda function (`${PrepareLambdaFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(PrepareLambda);
