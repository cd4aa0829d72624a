import { stepHandler } from '../runtime/handler.js';
import { startRollbackDeployment } from '../steps/start-rollback-deployment.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `startRollbackDeployment` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof startRollbackDeployment>()(['store', 'executions']);

/** The `startRollbackDeployment` step as a Lambda function (state machines name it `${StartRollbackDeploymentFunctionArn}`). */
export const handler = stepHandler(
  'startRollbackDeployment',
  (input: Parameters<ReturnType<typeof startRollbackDeployment>>[0]) =>
    startRollbackDeployment(awsStepDeps(ports))(input),
);
