import { stepHandler } from '../runtime/handler.js';
import { startRollbackDeployment } from '../steps/start-rollback-deployment.js';
import { awsStepDeps } from './aws-deps.js';

/** The `startRollbackDeployment` step as a Lambda function (state machines name it `${StartRollbackDeploymentFunctionArn}`). */
export const handler = stepHandler(
  'startRollbackDeployment',
  (input: Parameters<ReturnType<typeof startRollbackDeployment>>[0]) =>
    startRollbackDeployment(awsStepDeps())(input),
);
