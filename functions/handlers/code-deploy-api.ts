// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { CodeDeployApi } from './events/code-deploy-api.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** CodeDeployApi as a Lambda function (`${CodeDeployApiFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(CodeDeployApi);
