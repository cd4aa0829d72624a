import type { App } from 'aws-cdk-lib';
import { LambdaExampleStack } from './examples/lambda-example-stack.js';
import { PipelineExampleStack } from './examples/pipeline-example-stack.js';
import { StepDeployStack } from './step-deploy-stack.js';

/**
 * The app's stacks: `StepDeploy` (what `npm run deploy` deploys) and the two examples, which deploy on
 * their own (`npx cdk deploy StepDeployExampleLambda StepDeployExamplePipeline`).
 */
export function addStacks(app: App) {
  const main = new StepDeployStack(app, 'StepDeploy', {
    // `npx cdk deploy -c deletionProtection=false` for a throwaway stack.
    deletionProtection: ![false, 'false'].includes(
      app.node.tryGetContext('deletionProtection') as boolean | string,
    ),
  });
  const lambdaExample = new LambdaExampleStack(app, 'StepDeployExampleLambda', {
    stepDeploy: main.stepDeploy,
  });
  const pipelineExample = new PipelineExampleStack(app, 'StepDeployExamplePipeline', {
    stepDeploy: main.stepDeploy,
    deploymentGroup: lambdaExample.deploymentGroup,
  });
  return { main, lambdaExample, pipelineExample };
}
