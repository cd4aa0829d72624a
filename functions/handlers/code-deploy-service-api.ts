// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { CodeDeployServiceApi } from './events/code-deploy-service-api.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** CodeDeployServiceApi as a Lambda function (`${CodeDeployServiceApiFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(CodeDeployServiceApi);
