// Generated from the flow registry by scripts/generate-handlers.ts; test/handlers/entries.test.ts checks it.
import { StartRollbackDeployment } from '../steps/start-rollback-deployment.js';
import { lambdaHandler } from './wiring/lambda-handler.js';

/** StartRollbackDeployment as a Lambda function (`${StartRollbackDeploymentFunctionArn}` in the state machines that run it). */
export const handler = lambdaHandler(StartRollbackDeployment);
