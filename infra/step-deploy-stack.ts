import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { StepDeploy, type StepDeployProps } from './step-deploy.js';

/** stepdeploy on its own: the construct, with the names a user needs as stack outputs. */
export class StepDeployStack extends Stack {
  readonly stepDeploy: StepDeploy;

  constructor(scope: Construct, id: string, props: StackProps & StepDeployProps = {}) {
    super(scope, id, {
      description: 'stepdeploy: CodeDeploy-style deployments on AWS Step Functions',
      ...props,
    });
    this.stepDeploy = new StepDeploy(this, 'StepDeploy', props);
    const outputs: Record<string, [string, string]> = {
      RevisionBucketName: [
        this.stepDeploy.revisionBucket.bucketName,
        'Upload revisions to <application>/<deployment-group>/',
      ],
      TableName: [this.stepDeploy.table.tableName, 'Deployment records'],
      HookEndpointUrl: [
        this.stepDeploy.hookEndpoint.url,
        'Set AWS_ENDPOINT_URL_CODEDEPLOY of hook functions to this',
      ],
      LambdaStateMachineArn: [
        this.stepDeploy.stateMachines.Lambda.stateMachineArn,
        'Runs Lambda deployments',
      ],
      ServerStateMachineArn: [
        this.stepDeploy.stateMachines.Server.stateMachineArn,
        'Runs Server (EC2/on-premises) deployments',
      ],
    };
    for (const [name, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, name, { value, description });
  }
}
